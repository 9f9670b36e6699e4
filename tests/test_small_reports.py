"""`make report` on small synthetic snapshots (0, 1, 3 and 44 repositories), too small for some analyses: every
notebook runs, and every fact a document shows reads as prose. (A small report rendered with Quarto, its shortfalls
and all, passes every render check in `tests/test_refresh.py`: the first week's.) Then no cached figure or number
goes stale when the 44-repository report's inputs change, one after another. A module of its own, so that a test
worker runs them beside `tests/test_report.py`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from project_copy import copy_sources
from snapshots import synthetic_snapshot
from test_report import executed, label_sample, reads_as_prose, replace_in, run_report, without_quarto

from analysis import notebooks

pytestmark = [pytest.mark.integration, pytest.mark.notebooks]

#: Synthetic snapshots (repositories, languages) on which every notebook must run and every fact read as prose.
SMALL = {
    0: ("Python",),
    1: ("Python",),
    3: ("Python", "Go"),
    44: ("Python", "Jupyter Notebook", "Go"),
}

#: The one whose report is run from a copy of the sources, with hand labels for its repositories, so that the
#: stale-cache test can edit its snapshot, code, labels and notebooks.
EDITABLE = 44


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


@pytest.mark.parametrize("size", sorted(SMALL))
def test_report_on_small_snapshots(request, tmp_path, size):
    """On a machine without Quarto, every notebook runs, and every fact reads as prose: an analysis the snapshot
    cannot support says why."""
    if size == EDITABLE:
        root = request.getfixturevalue("editable")[0]
    else:
        root = tmp_path / "project"
        run_report(synthetic_snapshot(tmp_path / "raw" / f"synthetic-{size}", size, SMALL[size]), without_quarto(root))
    facts = reads_as_prose(root, f"synthetic-{size}")
    if size < 30:
        assert f"holds {size} repositories, fewer than 30" in facts["growth_shortfall"]
    if size < 50:
        assert "fewer than 50" in facts["topics_shortfall"]


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
