from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RECORDED = REPO.parent / "shared" / "data" / "github-search-2023-01"


@pytest.fixture(scope="session")
def recorded_snapshot() -> Path:
    """The real recorded 2023 snapshot, read in place. Under CI its absence is a failure."""
    path = Path(os.environ.get("RECORDED_SNAPSHOT", DEFAULT_RECORDED))
    if not (path / "manifest.json").is_file():
        message = f"recorded snapshot not found at {path} (set RECORDED_SNAPSHOT)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path.resolve()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly at the end when the checks of the rendered paper and slides did not run, and why."""
    reasons = dict.fromkeys(
        report.longrepr[2].removeprefix("Skipped: ")
        for report in terminalreporter.stats.get("skipped", [])
        if Path(report.location[0]).name == "test_rendered.py" and isinstance(report.longrepr, tuple)
    )
    for reason in reasons:
        terminalreporter.write_line(f"Render checks skipped: {reason}", yellow=True, bold=True)
