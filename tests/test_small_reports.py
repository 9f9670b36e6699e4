"""`make report` on small synthetic snapshots (0, 1, 3 and 44 repositories), too small for some analyses: every
notebook runs, and every fact a document shows reads as prose. (A small report rendered with Quarto, its shortfalls
and all, passes every render check in `tests/test_refresh.py`: the first week's.) A module of its own, so that a
test worker runs them beside `tests/test_report.py`."""

from __future__ import annotations

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


@pytest.mark.parametrize("size", sorted(SMALL))
def test_report_on_small_snapshots(tmp_path, size):
    """On a machine without Quarto, every notebook runs, and every fact reads as prose: an analysis the snapshot
    cannot support says why."""
    snapshot = synthetic_snapshot(tmp_path / "raw" / f"synthetic-{size}", size, SMALL[size])
    run_report(snapshot, without_quarto(tmp_path / "project"))
    facts = reads_as_prose(tmp_path / "project", f"synthetic-{size}")
    if size < 30:
        assert f"holds {size} repositories, fewer than 30" in facts["growth_shortfall"]
    if size < 50:
        assert "fewer than 50" in facts["topics_shortfall"]
