from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def recorded_snapshot() -> Path:
    """The real recorded 2023 snapshot, embedded in the project (data/recorded/)."""
    from analysis import config

    assert (config.EMBEDDED_SNAPSHOT / "manifest.json").is_file(), "the embedded snapshot is missing"
    return config.EMBEDDED_SNAPSHOT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly at the end when the checks of the rendered paper and slides did not run, and why."""
    reasons = dict.fromkeys(
        report.longrepr[2].removeprefix("Skipped: ")
        for report in terminalreporter.stats.get("skipped", [])
        if Path(report.location[0]).name == "test_rendered.py" and isinstance(report.longrepr, tuple)
    )
    for reason in reasons:
        terminalreporter.write_line(f"Render checks skipped: {reason}", yellow=True, bold=True)
