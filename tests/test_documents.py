"""Static checks of _quarto.yml and the .qmd sources (Quarto itself is not installable here)."""
from __future__ import annotations

import json
import re

import nbformat
import pytest
import yaml
from conftest import REPO

from analysis import documents, notebooks

DOCS = [documents.read(REPO / name) for name in documents.DOCUMENTS]


def committed_labels(path) -> set[str]:
    nb = nbformat.read(path, as_version=4)
    return set(notebooks.labelled_outputs(nb))


def test_quarto_project_config():
    config = yaml.safe_load((REPO / "_quarto.yml").read_text())
    assert config["project"]["output-dir"] == "_output"
    for name in config["project"]["render"]:
        assert (REPO / name).is_file(), name
    if "bibliography" in config:
        assert (REPO / config["bibliography"]).is_file()


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.path.name)
def test_front_matter(doc):
    assert doc.front_matter.get("title")
    assert doc.front_matter.get("jupyter") == "python3"
    assert isinstance(doc.front_matter.get("format"), dict)


def test_formats():
    paper, slides = DOCS
    assert set(paper.front_matter["format"]) == {"html", "typst"}
    assert set(slides.front_matter["format"]) == {"revealjs"}


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.path.name)
def test_every_embed_target_exists(doc):
    assert doc.embeds, "documents embed their figures from the notebooks"
    for embed in doc.embeds:
        path = REPO / embed.notebook
        assert path.is_file(), embed.notebook
        assert embed.label in committed_labels(path), f"{embed.notebook}#{embed.label}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.path.name)
def test_every_crossref_is_embedded(doc):
    embedded = {e.label for e in doc.embeds}
    assert doc.crossrefs <= embedded, doc.crossrefs - embedded


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.path.name)
def test_inline_numbers_are_computed(doc):
    assert re.search(r"`\{python\} \w+`", doc.body), "at least one inline expression"
    names = set(re.findall(r"`\{python\} (\w+)`", doc.body))
    code = "\n".join(re.findall(r"```\{python\}\n(.*?)```", doc.body, re.S))
    for name in names:
        assert re.search(rf"^{name}\s*=", code, re.M), f"{name} is not computed in a code cell"


def test_citations_exist_in_bibliography():
    bib = (REPO / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,\s]+),", bib))
    for doc in DOCS:
        assert doc.citations <= keys, doc.citations - keys


def test_committed_notebooks_are_clean():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, path.name


def test_notebooks_hard_code_no_paths():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert not re.search(r"shared/|data/|\.parquet|\.json|open\(", code), path.name


def test_labelled_cells_have_captions():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            label = notebooks.LABEL.search(cell.source) if cell.cell_type == "code" else None
            if label and label.group(1).startswith(("fig-", "tbl-")):
                kind = label.group(1)[:3]
                assert f"#| {kind}-cap:" in cell.source, f"{path.name}#{label.group(1)}"
