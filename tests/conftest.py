from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest
from filelock import FileLock

import analysis  # noqa: F401  (before any test imports nbformat: it then imports in a tenth of the time)

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parent.parent
#: Set by CI: there a tool a test needs (Quarto, Chromium) missing is a failure, never a skip.
CI_ENV = "CI"
#: What a process of the report must not inherit from the test run: it picks its own snapshot and folders.
REPORT_ENV_KEYS = ("SNAPSHOT", "MLOPS_PROCESSED_DIR", "MLOPS_PROJECT_ROOT", "MLOPS_OUTPUT_DIR", "FOLLOWUP", "COMPARE")


def missing_tool(reason: str) -> NoReturn:
    """Skip a test whose tool is missing, except under CI (or with the render checks required): fail there."""
    if os.environ.get(CI_ENV) or os.environ.get("RENDER_CHECKS") == "required":
        pytest.fail(f"{reason} (a missing tool fails the tests under CI)", pytrace=False)
    pytest.skip(reason)


def quarto() -> str:
    """Quarto, found the way `make report` finds it (PATH, else beside the venv's Python), or skip/fail."""
    from analysis.report import find_quarto

    found = find_quarto(Path(sys.executable))
    if found is None:
        missing_tool("Quarto is neither on PATH nor beside the venv's Python")
    return found


def with_quarto_on_path(env: dict[str, str]) -> dict[str, str]:
    """`env` with the found Quarto's folder first on PATH, so a report started with it renders."""
    return {**env, "PATH": os.pathsep.join([str(Path(quarto()).parent), env.get("PATH", "")])}


@pytest.fixture(scope="session")
def recorded_snapshot() -> Path:
    """The real recorded 2023 snapshot, embedded in the project (data/recorded/)."""
    from analysis import config

    assert (config.EMBEDDED_SNAPSHOT / "manifest.json").is_file(), "the embedded snapshot is missing"
    return config.EMBEDDED_SNAPSHOT


@pytest.fixture(scope="session")
def checkout_report() -> str:
    """`make report` in the checkout, on the embedded snapshot: built once and shared by every test that reads it.

    Its steps are keyed by their inputs, so where it has just run (CI runs `make report` first) every step is
    skipped in seconds. A lock keeps two test workers from building it at once. Its console output."""
    (REPO / "_output").mkdir(exist_ok=True)
    from analysis.report import find_quarto

    env = {k: v for k, v in os.environ.items() if k not in REPORT_ENV_KEYS}
    if find_quarto(Path(sys.executable)):
        env = with_quarto_on_path(env)
    else:  # the render checks then say why they cannot run; pip must not download Quarto meanwhile
        env |= {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(REPO / "_output"), "PIP_CONFIG_FILE": os.devnull}
    with FileLock(REPO / "_output" / ".report.lock"):
        result = subprocess.run(
            [sys.executable, "-m", "analysis", "report"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


#: The modules that run whole reports, slowest first (as measured in CI).
SLOWEST_FIRST = (
    "test_refresh.py",
    "test_edited_report.py",
    "test_report.py",
    "test_small_reports.py",
    "test_followup_report.py",
)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: without the plugin (-p no:xdist) pytest must not fail
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (`make test`): one worker more than there are cores. A worker often waits (on a report's
    kernels and Quarto starting, on Chromium, on the fake GitHub), so with a worker a core the cores idled at
    times: on two cores, CI used 1.72 of them on average with two workers, 1.77 with three. The suite's times
    (369 and 396 s with two; 342 and 380 s with three) differ less than this machine's noise."""
    return (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Unit-test modules first (quick feedback), then the whole-report modules, slowest first, then the rest: the
    test workers (`make test`, which keeps this order) share the long modules early and end together."""
    heavy = {name: i for i, name in enumerate(SLOWEST_FIRST, 1)}
    integration = {
        item.path for item in items if item.get_closest_marker("integration") or item.get_closest_marker("notebooks")
    }

    def rank(item: pytest.Item) -> int:
        return 0 if item.path not in integration else heavy.get(item.path.name, len(heavy) + 1)

    items.sort(key=rank)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly at the end when the checks of the rendered paper and slides did not run, and why."""
    reasons = dict.fromkeys(
        report.longrepr[2].removeprefix("Skipped: ")
        for report in terminalreporter.stats.get("skipped", [])
        if Path(report.location[0]).name == "test_rendered.py" and isinstance(report.longrepr, tuple)
    )
    for reason in reasons:
        terminalreporter.write_line(f"Render checks skipped: {reason}", yellow=True, bold=True)
