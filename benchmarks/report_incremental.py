"""Benchmark `make report` on small edits, and the test suite, against a cold report, all measured in this run.

In a copy of the sources (so the checkout is never edited), it times, one after another:
a cold report (`--force`, model cache emptied) and, within it, its Quarto render; a rerun with
nothing changed, a rerun after a prose edit to paper.qmd, and a rerun after an edit to one
notebook. Then the whole test suite as `make test` runs it (in the checkout; `--no-suite` leaves
it out). Each is reported as a ratio to the cold run. Targets: cold render <= 0.3, no change
<= 0.08, prose only <= 0.5, one notebook <= 0.6, test suite <= 3.

    PATH=/opt/quarto/bin:$PATH python benchmarks/report_incremental.py [--snapshot DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from project_copy import copy_sources  # noqa: E402

from analysis.config import EMBEDDED_SNAPSHOT  # noqa: E402

TARGETS = {"cold render": 0.3, "no change": 0.08, "prose only": 0.5, "one notebook": 0.6, "test suite": 3.0}
#: The report's line for its render step, then the step's own "done in ... -> folder" line (the previews, drawn
#: meanwhile, end theirs with "(n slides -> folder)").
RENDER_STEP = re.compile(r"rendering paper and slides with Quarto.*?^  done in ([\d.]+) s -> ", re.S | re.M)


def timed_report(src: Path, snapshot: Path, *options: str) -> tuple[float, str]:
    """Seconds one `python -m analysis report` takes in the copy, and its console output (kept in the copy too)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("MLOPS_PROJECT_ROOT", None)
    env.pop("MLOPS_OUTPUT_DIR", None)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "report", "--snapshot", str(snapshot), *options],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    (src / "benchmark.log").open("a").write(result.stderr)
    if result.returncode:
        sys.exit(f"report failed:\n{result.stderr[-3000:]}")
    return elapsed, result.stderr


def timed_suite() -> float:
    """Seconds `make test` takes (in the checkout), with the render checks required as in CI."""
    start = time.perf_counter()
    result = subprocess.run(
        ["make", "-s", "test"],
        cwd=REPO,
        env={**os.environ, "RENDER_CHECKS": "required", "PYTEST_ADDOPTS": "-q -p no:cacheprovider"},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"the test suite failed:\n{result.stdout[-3000:]}")
    return time.perf_counter() - start


def edit_notebook(path: Path) -> None:
    """A one-line edit to the notebook's last code cell, as a person changing an analysis would make."""
    nb = nbformat.read(path, as_version=4)
    cell = [c for c in nb.cells if c.cell_type == "code"][-1]
    cell.source += "\n# edited by benchmarks/report_incremental.py"
    nbformat.write(nb, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snapshot", type=Path, default=EMBEDDED_SNAPSHOT, help="default: the embedded 2023 one")
    parser.add_argument("--notebook", default="03-modeling.ipynb", help="the notebook to edit")
    parser.add_argument("--no-suite", action="store_true", help="leave the test suite out")
    args = parser.parse_args()
    if not shutil.which("quarto"):
        sys.exit("Quarto is not on PATH: the render is most of an incremental report, so it must be measured")
    with tempfile.TemporaryDirectory(prefix="report-incremental-") as tmp:
        src = Path(tmp)
        copy_sources(src)
        snapshot = args.snapshot.resolve()
        cold, output = timed_report(src, snapshot, "--force")
        render = RENDER_STEP.search(output)
        if render is None:
            sys.exit("the cold report did not render (no Quarto render step in its output)")
        seconds = {"cold": cold, "cold render": float(render.group(1))}
        seconds["no change"] = timed_report(src, snapshot)[0]
        with (src / "paper.qmd").open("a") as paper:
            paper.write("\nA sentence added by the benchmark.\n")
        seconds["prose only"] = timed_report(src, snapshot)[0]
        edit_notebook(src / "notebooks" / args.notebook)
        seconds["one notebook"] = timed_report(src, snapshot)[0]
    if not args.no_suite:
        seconds["test suite"] = timed_suite()
    rows = {
        name: {"seconds": round(s, 1), "ratio": round(s / cold, 3), "target": TARGETS.get(name)}
        for name, s in seconds.items()
    }
    print(f"{'run':<14}{'seconds':>9}{'ratio':>8}{'target':>8}")
    for name, s in seconds.items():
        ratio, target = round(s / cold, 3), TARGETS.get(name)
        met = "" if target is None else ("  ok" if ratio <= target else "  MISSED")
        print(f"{name:<14}{s:>9.1f}{ratio:>8.3f}{target or '':>8}{met}")
    results = REPO / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "report_incremental.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
