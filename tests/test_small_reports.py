"""`make report` on small synthetic snapshots (0, 1, 3 and 44 repositories), too small for some analyses: every
notebook runs, every fact a document shows reads as prose, and the 44-repository one, rendered with Quarto,
passes every render check. A module of its own, so that a test worker runs them beside `tests/test_report.py`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from test_report import reads_as_prose, run_report, without_quarto

pytestmark = [pytest.mark.integration, pytest.mark.notebooks]

#: Synthetic snapshots (repositories, languages) on which every notebook must run and every fact read as prose.
SMALL = {
    0: ("Python",),
    1: ("Python",),
    3: ("Python", "Go"),
    44: ("Python", "Jupyter Notebook", "Go"),
}
#: The one rendered with Quarto and checked like the recorded report; the others run on a machine without Quarto.
RENDERED_SMALL = 44


@pytest.fixture(scope="session")
def small_reports(tmp_path_factory):
    """`make report` on a synthetic snapshot of `size` repositories, built on first use and shared by every test
    of that size (this module runs on one test worker): (size, project root, snapshot, environment, console output)."""
    from conftest import with_quarto_on_path
    from snapshots import synthetic_snapshot

    built = {}

    def report_of(size: int) -> tuple[int, Path, Path, dict[str, str], str]:
        if size not in built:
            folder = tmp_path_factory.mktemp(f"synthetic-{size}")
            snapshot = synthetic_snapshot(folder / "raw" / f"synthetic-{size}", size, SMALL[size])
            root = folder / "project"
            if size == RENDERED_SMALL:
                env = with_quarto_on_path({k: v for k, v in os.environ.items() if k != "SNAPSHOT"})
                env["MLOPS_PROJECT_ROOT"] = str(root)
            else:
                env = without_quarto(root)
            built[size] = (size, root, snapshot, env, run_report(snapshot, env))
        return built[size]

    return report_of


@pytest.mark.parametrize("size", sorted(SMALL))
def test_report_on_small_snapshots(small_reports, size):
    """Every notebook runs, and every fact reads as prose: an analysis the snapshot cannot support says why."""
    n, root, _, _, _ = small_reports(size)
    facts = reads_as_prose(root, f"synthetic-{n}")
    if n < 30:
        assert f"holds {n} repositories, fewer than 30" in facts["growth_shortfall"]
    if n < 50:
        assert "fewer than 50" in facts["topics_shortfall"]


@pytest.mark.parametrize("size", [RENDERED_SMALL])
def test_a_small_snapshot_renders_and_reads_right(small_reports, size):
    """On 44 repositories, too few for some analyses, the rendered paper and deck pass every render check:
    each analysis that falls short says so in a sentence, and no sentence is left with a hole in it."""
    import rendered

    _, root, _, env, _ = small_reports(size)
    facts = json.loads((root / "data" / "processed" / "synthetic-44" / "facts.json").read_text())
    assert not facts["topics_supported"] and not facts["content_supported"]  # so the shortfalls are rendered
    checks = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(REPO / "tests" / "test_rendered.py")],
        env={**env, "MLOPS_OUTPUT_DIR": str(root / "_output"), rendered.REQUIRED_ENV: "required"},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert checks.returncode == 0, checks.stdout[-4000:]
    paper = (root / "_output" / "paper.html").read_text()
    # Pandoc curls apostrophes, so each shortfall is looked for up to its colon.
    assert all(facts[f"{name}_shortfall"].split(":")[0] in paper for name in ("topics", "content"))
