"""`make report` end to end on the recorded snapshot, on a machine without Quarto.

One executed report (the `report` fixture) serves every test that reads it; the test with
a stand-in Quarto reruns the report in the same folder, where every other step is skipped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import REPO
from project_copy import copy_sources

from analysis import documents, notebooks

pytestmark = [pytest.mark.integration, pytest.mark.notebooks]
NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def without_quarto(root: Path) -> dict[str, str]:
    """The environment of a machine without Quarto and without network: pip finds no quarto-cli.

    `make report` then tries to install the `quarto` extra with pip, which fails at once
    (no index, no links, no config file) as it would offline, without using the network.
    """
    env = {
        **os.environ,
        "MLOPS_PROJECT_ROOT": str(root),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(root),
        "PIP_CONFIG_FILE": os.devnull,
    }
    env.pop("SNAPSHOT", None)
    return env


def run_report(snapshot: Path, env: dict[str, str], *options: str) -> str:
    """`python -m analysis report` as a user runs it, in the project its env names; its console output.

    It runs in the folder of the `PYTHONPATH` copy, if any: `python -m` imports from the working directory first.
    """
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "report", "--snapshot", str(snapshot), *options],
        env=env,
        cwd=env.get("PYTHONPATH"),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def report(checkout_report):
    """The main job as a user runs it, in the checkout, on the embedded snapshot (built once per session)."""
    return REPO, checkout_report


def executed(root: Path, name: str) -> nbformat.NotebookNode:
    return nbformat.read(root / "_output" / "notebooks" / name, as_version=4)


def test_says_quarto_is_missing_and_what_it_made(enriched):
    root, _, _, output = enriched
    assert "installing quarto-cli>=1.5 with pip" in output
    assert "Quarto is not installed and could not be installed (pip failed: ERROR: " in output
    assert output.count("could not be installed") == 1
    for produced in ("tidy data", "executed notebooks", "notebooks as HTML", "slide previews", "install Quarto"):
        assert produced in output
    assert len(list((root / "_output" / "slide-previews").glob("*.png"))) >= 10
    processed = root / "data" / "processed" / "fake"
    assert (processed / "repos.parquet").is_file() and (processed / "quality.json").is_file()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_executes_without_error(report, name):
    root, _ = report
    nb = executed(root, name)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    assert (root / "_output" / "notebooks" / name).with_suffix(".html").stat().st_size > 10_000


@pytest.mark.parametrize("doc", documents.DOCUMENTS)
def test_every_embedded_label_holds_a_figure_or_table(report, doc):
    root, _ = report
    for embed in documents.read(REPO / doc).embeds:
        labels = notebooks.labelled_outputs(executed(root, Path(embed.notebook).name))
        assert embed.label in labels, embed
        assert notebooks.holds_expected_output(embed.label, labels[embed.label]), embed


def test_every_inline_number_is_a_computed_fact(report, recorded_snapshot):
    root, _ = report
    facts = json.loads((root / "data" / "processed" / "github-search-2023-01" / "facts.json").read_text())
    for doc in documents.DOCUMENTS:
        missing = documents.read(REPO / doc).inline_names - set(facts)
        assert not missing, f"{doc}: {missing}"
    unfit = [v for v in facts.values() if isinstance(v, str) and re.search(r"`|\bn/a\b|not measured", v)]
    assert not unfit, f"facts print as plain prose, with a value: {unfit}"
    manifest = json.loads((recorded_snapshot / "manifest.json").read_text())
    ids = {
        item["id"]
        for r in manifest["requests"]
        for item in json.loads((recorded_snapshot / r["file"]).read_text())["items"]
    }
    assert facts["n_repos"] == f"{len(ids):,}" and facts["as_of"] == manifest["collected_on"]


def test_without_a_follow_up_the_section_says_how_to_make_one(report):
    """The recorded snapshot has no follow-up and no COMPARE: one sentence, and no comparison."""
    from analysis.then_now import NO_FOLLOWUP

    root, _ = report
    facts = json.loads((root / "data" / "processed" / "github-search-2023-01" / "facts.json").read_text())
    assert facts["followup_paper"] == facts["followup_slide"] == NO_FOLLOWUP
    assert facts["followup_recorded"] is False  # so the paper keeps the question for further work
    assert facts["compare_paper"] == facts["compare_since"] == ""


def test_committed_notebooks_stay_clean(report):
    for name in NOTEBOOKS:
        nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


FAKE_QUARTO = """#!{python}
# Stand-in for `quarto render`: checks what a real Quarto needs, then writes its outputs.
import json, os, pathlib, sys
if sys.argv[1:] == ["--version"]:
    sys.exit(print("1.5.0"))
document, to = sys.argv[2], sys.argv[4]
assert sys.argv[1:] == ["render", document, "--to", to], sys.argv
here = pathlib.Path.cwd()
assert (here / "_quarto.yml").is_file() and (here / document).is_file()
assert "n_repos: " in (here / "_facts.yml").read_text()  # the facts, as metadata
for nb in (here / "notebooks").glob("*.ipynb"):
    cells = json.loads(nb.read_text())["cells"]
    assert any(c.get("outputs") for c in cells), f"{{nb}} holds no outputs to embed"
assert os.environ["SNAPSHOT"]
out = here / "_output"
out.mkdir()
name = {{"html": "paper.html", "typst": "paper.pdf", "revealjs": "slides.html"}}[to]
(out / name).write_text("rendered")
"""


def test_quarto_renders_a_staging_copy_with_executed_notebooks(enriched, tmp_path):
    """With Quarto found, a rerun in the same folder renders, and skips every step whose inputs are unchanged."""
    root, snapshot, enriched_env, _ = enriched
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    quarto = bin_dir / "quarto"
    quarto.write_text(FAKE_QUARTO.format(python=sys.executable))
    quarto.chmod(0o755)
    env = {**enriched_env, "PATH": os.pathsep.join([str(bin_dir), enriched_env["PATH"]])}
    output = run_report(snapshot, env)
    for name in ("paper.html", "paper.pdf", "slides.html"):
        assert (root / "_output" / name).read_text() == "rendered"
    assert sorted(p.name for p in (root / "_output" / "notebooks").glob("*.ipynb")) == NOTEBOOKS
    assert "Quarto is not installed" not in output
    skipped = re.findall(r"^> (.+): skipped, its inputs are unchanged$", output, re.M)
    assert len(skipped) == len(NOTEBOOKS) + 3, output  # the tables, the facts, each notebook, the previews
    assert "rendering paper and slides with Quarto (never ran here)" in output
    rerun = run_report(snapshot, env)
    assert "rendering paper and slides with Quarto: skipped" in rerun


#: The enriched snapshot is of a topic whose languages are not Python.
NOT_PYTHON = ("Go", "Rust", "TypeScript", None)


@pytest.fixture(scope="module")
def enriched(tmp_path_factory):
    """Collect from the fake GitHub with enrichment, then run the whole report on it from a copy of the sources.

    The copy (imported first, through PYTHONPATH, by the report and the notebooks' kernels) holds the sample's
    hand labels and the notebook parameter set below, and the checkout stays as it is.
    """
    from fake_github import FakeGitHub, make_repos

    from analysis.collection import live

    tmp = tmp_path_factory.mktemp("enriched")
    snapshot = tmp / "raw" / "fake"
    with FakeGitHub(make_repos(400, seed=5, languages=NOT_PYTHON)) as fake:
        env = {**os.environ, "GITHUB_API_URL": fake.url, "GITHUB_TOKEN": "t", live.TIME_SCALE_ENV: "0"}
        subprocess.run(
            [sys.executable, "-m", "analysis", "collect", "--topic", "mlops", "--out", str(snapshot)],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    src = copy_sources(tmp / "src")
    label_sample(snapshot, src / "data" / "labels" / "content_types.csv")
    # Its tests read prose, not topics: LDA tries three numbers of topics (a parameter a reader may change), not
    # nine. The whole model path still runs (the grid, the one-SE choice, the null), in a third of the fits.
    replace_in(
        src / "notebooks" / "03-modeling.ipynb", "lda_grid = (3, 4, 5, 6, 8, 10, 12, 15, 20)", "lda_grid = (3, 5, 8)"
    )
    env = {**without_quarto(src), "PYTHONPATH": str(src)}
    return src, snapshot, env, run_report(snapshot, env)


def label_sample(snapshot: Path, labels: Path, n: int = 60) -> None:
    """Hand labels for n of the fake repositories (the shipped ones name none of them), so content shares exist."""
    pages = [page.read_text() for page in sorted(snapshot.glob("*.json"))]
    items = [item for page in pages if '"items"' in page for item in json.loads(page)["items"]]
    sample = sorted({item["id"]: item["full_name"] for item in items}.items())[:n]
    kinds = ("project", "tool", "learning")
    rows = [f"{id_},{name},{kinds[i % 3]}" for i, (id_, name) in enumerate(sample)]
    labels.write_text("\n".join(["id,full_name,label", *rows]) + "\n")


def test_report_on_an_enriched_snapshot(enriched):
    root, _, _, _ = enriched
    for name in NOTEBOOKS:
        nb = executed(root, name)
        assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    facts = json.loads((root / "data" / "processed" / "fake" / "facts.json").read_text())
    assert facts["enriched"] is True
    assert re.search(r"\d[\d,]* bug reporters .* \d[\d,]* code contributors", facts["community_sentence"])
    discussion = executed(root, "04-discussion.ipynb")
    size_cell = next(c for c in discussion.cells if "label: fig-size" in c.source)
    assert "image/png" in size_cell.outputs[0]["data"]


def reads_as_prose(root: Path, snapshot: str) -> dict[str, Any]:
    """Every notebook ran, and every fact a document shows reads as prose; the facts."""
    for name in NOTEBOOKS:
        errors = [
            o
            for c in executed(root, name).cells
            if c.cell_type == "code"
            for o in c.outputs
            if o.output_type == "error"
        ]
        assert not errors, (name, [e["evalue"] for e in errors])
    facts = json.loads((root / "data" / "processed" / snapshot / "facts.json").read_text())
    for doc in documents.DOCUMENTS:
        shown = documents.read(REPO / doc).shown(facts).inline_names
        assert not shown - set(facts), doc
        assert all(facts[name] not in ("", None) for name in shown), (doc, [n for n in shown if not facts[n]])
    unfit = [v for v in facts.values() if isinstance(v, str) and re.search(r"\bn/a\b|\bnan\b|not measured", v)]
    assert not unfit
    return facts


def test_report_on_a_topic_without_python(enriched):
    """On 400 repositories, none in Python, every analysis runs and reads as prose."""
    root, _, _, _ = enriched
    facts = reads_as_prose(root, "fake")
    assert "Python" not in facts["top_language"] and facts["hr_org"]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))
