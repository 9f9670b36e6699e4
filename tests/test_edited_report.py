"""The report on the small synthetic snapshot of 44 repositories, run from a copy of the sources with hand labels
for its repositories: it reads as prose, and then no cached figure or number goes stale when its snapshot, code,
labels or a notebook's parameter change, one after another. A module of its own, so that a test worker runs it
beside `tests/test_small_reports.py`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from project_copy import copy_sources
from snapshots import synthetic_snapshot
from test_report import executed, label_sample, replace_in, run_report, without_quarto
from test_small_reports import EDITABLE, SMALL, reads_right

from analysis import notebooks

pytestmark = [pytest.mark.integration, pytest.mark.notebooks]


@pytest.fixture(scope="module")
def editable(tmp_path_factory):
    """The report on the EDITABLE snapshot, from a copy of the sources: (the copy, the snapshot, the environment)."""
    tmp = tmp_path_factory.mktemp("editable")
    snapshot = synthetic_snapshot(tmp / "raw" / f"synthetic-{EDITABLE}", EDITABLE, SMALL[EDITABLE])
    src = copy_sources(tmp / "src")
    label_sample(snapshot, src / "data" / "labels" / "content_types.csv")
    env = {**without_quarto(src), "PYTHONPATH": str(src)}
    run_report(snapshot, env)
    return src, snapshot, env


def test_report_on_a_small_labelled_snapshot(editable):
    """On a machine without Quarto, every notebook runs, and every fact reads as prose (before any edit)."""
    reads_right(editable[0], EDITABLE)


def output_of(root: Path, name: str, label: str) -> str:
    """What a labelled cell of an executed notebook shows (its text, table or image data)."""
    cell = notebooks.labelled_cells(executed(root, name))[label]
    return json.dumps([o.get("data", o.get("text")) for o in cell.outputs], sort_keys=True)


def test_no_cached_figure_or_number_is_stale(editable):
    """Change the snapshot, the code, a hand label and a notebook's parameter: each shows in the output."""
    root, snapshot, env = editable
    facts_file = root / "data" / "processed" / f"synthetic-{EDITABLE}" / "facts.json"

    def top_repos() -> str:
        return output_of(root, "02-eda.ipynb", "tbl-top-repos")

    # A value in the snapshot: the name of the most-starred repository, in the page that holds it.
    pages = [p for p in snapshot.glob("*.json") if '"items"' in p.read_text()]
    page, top = max(
        ((p, item) for p in pages for item in json.loads(p.read_text())["items"]),
        key=lambda found: (found[1]["stargazers_count"], -found[1]["id"]),
    )
    body = json.loads(page.read_text())
    next(item for item in body["items"] if item["id"] == top["id"])["full_name"] = "edited/by-the-test"
    page.write_text(json.dumps(body))
    run_report(snapshot, env)
    assert json.loads(facts_file.read_text())["top_repo"] == "edited/by-the-test"
    assert "edited/by-the-test" in top_repos()

    # The code: the table of top repositories (notebook 02 and the facts) counts one star more.
    stars = f"{top['stargazers_count'] + 1:,}"
    replace_in(
        root / "analysis" / "eda.py",
        'pl.col("stargazers_count").alias("stars")',
        '(pl.col("stargazers_count") + 1).alias("stars")',
    )
    output = run_report(snapshot, env)
    assert json.loads(facts_file.read_text())["top_repo_stars"] == stars and stars in top_repos()
    assert "01-collect.ipynb: skipped" in output  # it imports nothing that changed

    # A hand label: one repository labelled learning material becomes a tool.
    learning = json.loads(facts_file.read_text())["learning_share"]
    figure = output_of(root, "04-discussion.ipynb", "fig-content-types")
    labels = root / "data" / "labels" / "content_types.csv"
    row = next(line for line in labels.read_text().splitlines() if line.endswith(",learning"))
    replace_in(labels, row, row.removesuffix("learning") + "tool")
    run_report(snapshot, env)
    assert json.loads(facts_file.read_text())["learning_share"] != learning
    assert output_of(root, "04-discussion.ipynb", "fig-content-types") != figure

    # A parameter of one notebook: only that notebook runs again (the facts, which read parameters, may too).
    replace_in(root / "notebooks" / "02-eda.ipynb", "top_n = 10", "top_n = 3")
    output = run_report(snapshot, env)
    assert top_repos().count("\\n|") < 6  # the header, its rule and three rows
    assert re.findall(r"^> executing notebook \d/\d: (\S+) \(", output, re.M) == ["02-eda.ipynb"], output
