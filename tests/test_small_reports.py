"""`make report` on small synthetic snapshots (0, 1, 3 and 44 repositories), too small for some analyses: every
notebook runs, and every fact a document shows reads as prose. The 44-repository one is run from a copy of the
sources in `tests/test_edited_report.py`, which edits it. (A small report rendered with Quarto, its shortfalls and
all, passes every render check in `tests/test_refresh.py`: the first week's.) Modules of their own, so that test
workers run them beside `tests/test_report.py`."""

from __future__ import annotations

from pathlib import Path

import pytest
from snapshots import synthetic_snapshot
from test_report import reads_as_prose, run_report, without_quarto

pytestmark = [pytest.mark.integration, pytest.mark.notebooks]

#: Synthetic snapshots (repositories, languages) on which every notebook must run and every fact read as prose.
SMALL = {
    0: ("Python",),
    1: ("Python",),
    3: ("Python", "Go"),
    44: ("Python", "Jupyter Notebook", "Go"),
}
#: The one whose report `tests/test_edited_report.py` runs from a copy of the sources, with hand labels.
EDITABLE = 44


def reads_right(root: Path, size: int) -> None:
    """Every notebook ran, and every fact reads as prose: an analysis the snapshot cannot support says why."""
    facts = reads_as_prose(root, f"synthetic-{size}")
    if size < 30:
        assert f"holds {size} repositories, fewer than 30" in facts["growth_shortfall"]
    if size < 50:
        assert "fewer than 50" in facts["topics_shortfall"]


@pytest.mark.parametrize("size", sorted(set(SMALL) - {EDITABLE}))
def test_report_on_small_snapshots(tmp_path, size):
    """On a machine without Quarto, every notebook runs, and every fact reads as prose."""
    root = tmp_path / "project"
    run_report(synthetic_snapshot(tmp_path / "raw" / f"synthetic-{size}", size, SMALL[size]), without_quarto(root))
    reads_right(root, size)
