"""`make report` end to end on the recorded snapshot, on a machine without Quarto."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import REPO

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


@pytest.fixture(scope="module")
def report(recorded_snapshot, tmp_path_factory):
    """Run the main job as a user would, into a temporary project folder, on a machine without Quarto."""
    root = tmp_path_factory.mktemp("project")
    env = without_quarto(root)
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "report", "--snapshot", str(recorded_snapshot)],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return root, result.stdout + result.stderr


def executed(root: Path, name: str) -> nbformat.NotebookNode:
    return nbformat.read(root / "_output" / "notebooks" / name, as_version=4)


def test_says_quarto_is_missing_and_what_it_made(report):
    root, output = report
    assert "installing quarto-cli>=1.5 with pip" in output
    assert "Quarto is not installed and could not be installed (pip failed: ERROR: " in output
    assert output.count("could not be installed") == 1
    for produced in ("tidy data", "executed notebooks", "notebooks as HTML", "slide previews", "install Quarto"):
        assert produced in output
    assert len(list((root / "_output" / "slide-previews").glob("*.png"))) >= 10
    processed = root / "data" / "processed" / "github-search-2023-01"
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
    ids = {item["id"] for r in manifest["requests"]
           for item in json.loads((recorded_snapshot / r["file"]).read_text())["items"]}
    assert facts["n_repos"] == f"{len(ids):,}" and facts["as_of"] == manifest["collected_on"]


def test_committed_notebooks_stay_clean(report):
    for name in NOTEBOOKS:
        nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


FAKE_QUARTO = """#!{python}
# Stand-in for `quarto render`: checks what a real Quarto needs, then writes its outputs.
import json, os, pathlib, sys
assert sys.argv[1:] == ["render"], sys.argv
here = pathlib.Path.cwd()
assert (here / "_quarto.yml").is_file() and (here / "paper.qmd").is_file()
for nb in (here / "notebooks").glob("*.ipynb"):
    cells = json.loads(nb.read_text())["cells"]
    assert any(c.get("outputs") for c in cells), f"{{nb}} holds no outputs to embed"
assert os.environ["QUARTO_PYTHON"] and os.environ["SNAPSHOT"]
out = here / "_output"
out.mkdir()
for name in ("paper.html", "paper.pdf", "slides.html"):
    (out / name).write_text("rendered")
"""


def test_quarto_renders_a_staging_copy_with_executed_notebooks(recorded_snapshot, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    quarto = bin_dir / "quarto"
    quarto.write_text(FAKE_QUARTO.format(python=sys.executable))
    quarto.chmod(0o755)
    root = tmp_path / "project"
    env = {
        **os.environ,
        "MLOPS_PROJECT_ROOT": str(root),
        "PATH": os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "report", "--snapshot", str(recorded_snapshot)],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("paper.html", "paper.pdf", "slides.html"):
        assert (root / "_output" / name).read_text() == "rendered"
    assert sorted(p.name for p in (root / "_output" / "notebooks").glob("*.ipynb")) == NOTEBOOKS
    assert "Quarto is not installed" not in result.stderr


def test_report_on_an_enriched_snapshot(tmp_path):
    """Collect from the fake GitHub with enrichment, then run the whole report on it."""
    from fake_github import FakeGitHub, make_repos

    from analysis.collection import live

    snapshot = tmp_path / "raw" / "fake"
    with FakeGitHub(make_repos(400, seed=5)) as fake:
        env = {**os.environ, "GITHUB_API_URL": fake.url, "GITHUB_TOKEN": "t", live.TIME_SCALE_ENV: "0"}
        subprocess.run([sys.executable, "-m", "analysis", "collect", "--topic", "mlops", "--out", str(snapshot)],
                       env=env, check=True, capture_output=True, timeout=300)
    root = tmp_path / "project"
    result = subprocess.run([sys.executable, "-m", "analysis", "report", "--snapshot", str(snapshot)],
                            env=without_quarto(root), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in NOTEBOOKS:
        nb = executed(root, name)
        assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    facts = json.loads((root / "data" / "processed" / "fake" / "facts.json").read_text())
    assert facts["enriched"] is True
    assert re.search(r"\d[\d,]* bug reporters .* \d[\d,]* code contributors", facts["community_sentence"])
    discussion = executed(root, "04-discussion.ipynb")
    size_cell = next(c for c in discussion.cells if "label: fig-size" in c.source)
    assert "image/png" in size_cell.outputs[0]["data"]


@pytest.mark.parametrize(("n", "languages"), [
    (0, ("Python",)), (1, ("Python",)), (3, ("Python", "Go")), (44, ("Python", "Jupyter Notebook", "Go")),
    (120, ("Go", "Rust", "TypeScript")),  # a topic whose languages are not Python
])
def test_report_on_small_and_non_python_snapshots(tmp_path, n, languages):
    """Every notebook runs, and every fact reads as prose: an analysis the snapshot cannot support says why."""
    from snapshots import synthetic_snapshot

    snapshot = synthetic_snapshot(tmp_path / "raw" / f"synthetic-{n}", n, languages)
    root = tmp_path / "project"
    result = subprocess.run([sys.executable, "-m", "analysis", "report", "--snapshot", str(snapshot)],
                            env=without_quarto(root), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in NOTEBOOKS:
        errors = [o for c in executed(root, name).cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert not errors, (name, [e["evalue"] for e in errors])
    facts = json.loads((root / "data" / "processed" / f"synthetic-{n}" / "facts.json").read_text())
    for doc in documents.DOCUMENTS:
        assert not documents.read(REPO / doc).inline_names - set(facts), doc
    unfit = [v for v in facts.values() if isinstance(v, str) and re.search(r"\bn/a\b|\bnan\b|not measured", v)]
    assert not unfit
    if n < 30:
        assert f"holds {n} repositories, fewer than 30" in facts["growth_summary"]
    if n < 50:
        assert "fewer than 50" in facts["lda_k"]
    if n == 120:
        assert "Python" not in facts["top_language"] and facts["hr_org"]
