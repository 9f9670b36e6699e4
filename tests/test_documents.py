"""Static checks of _quarto.yml and the .qmd sources (Quarto itself is not installable here)."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
import yaml
from conftest import REPO

from analysis import documents, facts, metadata, notebooks

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
    assert isinstance(doc.front_matter.get("format"), dict)


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.path.name)
def test_documents_run_no_code(doc):
    """Quarto renders them with Pandoc and Typst alone: the facts arrive as metadata, not from a kernel."""
    assert "jupyter" not in doc.front_matter and "engine" not in doc.front_matter
    assert not re.search(r"^```\{(python|r|julia)", doc.body, re.M) and "`{python}" not in doc.body
    config = yaml.safe_load((REPO / "_quarto.yml").read_text())
    assert metadata.FILE in config["metadata-files"]


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
def test_inline_numbers_come_from_the_facts(doc):
    """Inline expressions name facts; test_report checks each name against the computed facts."""
    assert len(doc.inline_names) >= 5


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.path.name)
@pytest.mark.parametrize("analysis", sorted(facts.ANALYSES))
def test_an_unsupported_analysis_shows_no_number_of_its_own(doc, analysis):
    """Where a snapshot cannot support an analysis, its facts are empty: no shown sentence may use them,
    and the documents say why (its shortfall) wherever they would have stated them."""
    everything = {f"{name}_supported": True for name in facts.ANALYSES}
    shown = doc.shown({**everything, f"{analysis}_supported": False})
    assert not shown.inline_names & set(facts.ANALYSES[analysis])
    assert f"{analysis}_shortfall" in shown.inline_names
    assert f"{analysis}_shortfall" not in doc.shown(everything).inline_names


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.path.name)
def test_conditional_spans_do_not_start_with_a_space(doc):
    """Pandoc drops a span's leading space, which glued "topics" and "overlap" into one word on a slide."""
    assert not [m.group(0) for m in documents.CONDITIONAL_SPAN.finditer(doc.body) if m.group(1)[:1].isspace()]


def test_conditions_resolve_like_quarto():
    """Divs and spans conditioned on `supports-<name>` are kept or dropped; other divs are kept whole."""
    doc = documents.Document(
        path=REPO / "x.qmd",
        front_matter={},
        body=(
            'A [yes]{.content-visible when-meta="supports-growth"}[no]{.content-hidden when-meta="supports-growth"}.\n'
            '::: {.content-visible when-meta="supports-topics"}\nT\n::: {.notes}\nN\n:::\n:::\n'
            '::: {.content-hidden when-meta="supports-topics"}\nwhy\n:::\n::: {.notes}\nkept\n:::\n'
        ),
    )
    assert doc.shown({"growth_supported": True, "topics_supported": True}).body == (
        "A yes.\nT\n::: {.notes}\nN\n:::\n::: {.notes}\nkept\n:::\n"
    )
    assert doc.shown({"growth_supported": False}).body == "A no.\nwhy\n::: {.notes}\nkept\n:::\n"


def test_plain_facts_are_written_in_where_quarto_would_put_them():
    """The staged documents carry each plain fact's escaped text for its shortcode; code and Markdown facts keep
    theirs (code would show the escapes; a Markdown fact is whole paragraphs), and nothing else changes."""
    text = (
        "Files {{< meta pattern >}} and `{{< meta pattern >}}`.\n\n{{< meta followup_paper >}}\n\n"
        "```sh\necho {{< meta pattern >}}\n```\n{{< meta unknown >}}"
    )
    facts = {"pattern": "topic_*.json", "followup_paper": "**Gone:** 5%."}
    assert documents.inline(text, facts) == (
        "Files topic\\_\\*.json and `{{< meta pattern >}}`.\n\n{{< meta followup_paper >}}\n\n"
        "```sh\necho {{< meta pattern >}}\n```\n{{< meta unknown >}}"
    )
    for doc in documents.DOCUMENTS:  # in the real documents, every other shortcode goes
        source = (REPO / doc).read_text()
        named = documents.read(REPO / doc).inline_names
        staged = documents.inline(source, {name: f"value of {name}" for name in named})
        in_code = {m.group(1) for code in documents.CODE.finditer(source) for m in documents.INLINE.finditer(code[0])}
        kept = {m.group(1) for m in documents.INLINE.finditer(staged)}
        assert kept == in_code | (named & set(metadata.MARKDOWN_FACTS)), doc


def test_section_references_have_anchors():
    for doc in DOCS:
        assert doc.section_refs <= doc.section_anchors, doc.section_refs - doc.section_anchors


def test_citations_exist_in_bibliography():
    bib = (REPO / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,\s]+),", bib))
    paper = DOCS[0]
    assert paper.citations, "the citation pattern finds the paper's citations"
    for doc in DOCS:
        assert doc.citations <= keys, doc.citations - keys
    required = {
        "calefato2022mlops",
        "zampetti2026frameworks",
        "borges2018stars",
        "coelho2017fail",
        "avelino2019abandonment",
        "sculley2015debt",
    }
    assert required <= paper.citations


def test_citation_pattern():
    doc = documents.Document(
        REPO / "x.qmd",
        {},
        "See @smith2020a and [@doe-2019; @roe:x]. Mail a@b.c, @fig-x, `@decorator`, ```\n@not_this\n```.",
    )
    assert doc.citations == {"smith2020a", "doe-2019", "roe:x"}


#: The talk's slide titles, in the talk's order (sections and slides; "GitHub" spelt as GitHub does).
TALK_TITLES = [
    "What is MLOps?",
    "What I did",
    "Methodology",
    "GitHub data",
    "Limitations of data",
    "Exploratory data analysis",
    "Modeling",
    "Discussion",
    "How is this ecosystem growing?",
    "What kind of content is being posted?",
    "What does adoption of MLOps look like?",
    "Further work",
    "Conclusion",
    "Thank you all!",
]


#: The line under a slide's title that names the talk's slide it answers (`[The talk: ...]{.talk}`).
TALK_LINE = re.compile(r"^\[The talk: ([^\]]+)\]\{\.talk\}", re.M)


def talk_references(slides: list[tuple[int, str, str]]) -> list[str]:
    """Which of the talk's slides each slide answers: a section by its title, a slide by the line under its
    title (a finding title is the deck's own), or by its title where it keeps the talk's."""
    found = []
    for _, title, body in slides:
        line = TALK_LINE.search(body)
        found.append(line.group(1) if line else title)
    return found


def test_slides_follow_the_talk():
    """The talk's sections and slides, in its order; its further work, done, comes before the conclusion."""
    slides = DOCS[1].slides()
    said = talk_references(slides)
    position = 0
    for wanted in TALK_TITLES:
        where = [i for i, s in enumerate(said) if i >= position and wanted in s]
        assert where, f"{wanted!r} missing or out of the talk's order"
        position = where[0]
    growing = [s.removeprefix("How is this ecosystem growing?").strip() for s in said if "growing?" in s]
    assert [g for g in growing if g] == ["Recency", "Size", "Contribution rate"]
    titles = [title for _, title, _ in slides]
    assert titles.index("Further work, done") < titles.index("Conclusion")
    done = titles[titles.index("Further work, done") : titles.index("Conclusion")]
    assert any("owner_claim" in t for t in done), "the survival analysis is further work that was done"


def test_slide_titles_are_unique_and_the_follow_up_slide_needs_a_follow_up():
    """Each slide says something of its own; "Where are they now?" is shown only when a follow-up exists."""
    slides = DOCS[1]
    titles = [title for _, title, _ in slides.slides()]
    assert len(titles) == len(set(titles)), [t for t in titles if titles.count(t) > 1]
    everything = {f"{name}_supported": True for name in facts.ANALYSES}
    without = [t for _, t, _ in slides.shown(everything).slides()]
    followed = [
        t
        for _, t, _ in slides.shown(
            {**everything, "followup_recorded": True, "followup_headline": "A year on"}
        ).slides()
    ]
    assert not [t for t in without if "Where are they now" in t]
    assert [t for t in followed if "Where are they now" in t]


def test_slides_have_notes_numbers_and_one_figure_each():
    slides = DOCS[1]
    assert slides.front_matter["format"]["revealjs"]["slide-number"] is True
    assert "::: {.incremental}" in slides.body
    for level, title, body in slides.slides():
        if level == 2 and title != "Thank you all!":
            assert "::: {.notes}" in body, f"slide {title!r} has no speaker notes"
        assert len(documents.EMBED.findall(body)) <= 1, f"slide {title!r} embeds more than one figure"


def test_slide_theme_is_our_own():
    theme = DOCS[1].front_matter["format"]["revealjs"]["theme"]
    assert "slides.scss" in theme and (REPO / "slides.scss").is_file()
    assert "/*-- scss:defaults --*/" in (REPO / "slides.scss").read_text()


def test_committed_notebooks_are_clean():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, path.name


def test_notebooks_hard_code_no_paths():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(
            line
            for c in nb.cells
            if c.cell_type == "code"
            for line in c.source.splitlines()
            if not line.startswith("#|")
        )
        assert not re.search(r"shared/|data/|\.parquet|\.json|open\(", code), path.name


def test_labelled_cells_have_captions():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            label = notebooks.LABEL.search(cell.source) if cell.cell_type == "code" else None
            if label and label.group(1).startswith(("fig-", "tbl-")):
                kind = label.group(1)[:3]
                assert f"#| {kind}-cap:" in cell.source, f"{path.name}#{label.group(1)}"
                if kind == "tbl":  # Quarto's embed loses a table whose caption is folded YAML (`>-`)
                    assert '#| tbl-cap: "' in cell.source, f"{path.name}#{label.group(1)}: one-line table caption"


def test_content_slides_state_their_finding():
    """A figure slide that is not one of the talk's own questions says what it shows, with a number."""
    slides = DOCS[1].slides()
    sections = {title for level, title, _ in slides if level == 1}
    for level, title, body in slides:
        if level != 2:
            continue
        assert title not in sections, f"slide {title!r} repeats its section's title"
        if documents.EMBED.search(body) and title not in TALK_TITLES:
            assert documents.INLINE.search(title), f"slide {title!r} does not state a finding from the data"


def test_typst_text_area_matches_the_figure_width():
    """Figures are drawn as wide as the PDF's text area: letter paper less the margins paper.qmd sets."""
    from analysis import theme

    typst = DOCS[0].front_matter["format"]["typst"]
    assert typst["papersize"] == "us-letter"
    margin = typst["margin"]["x"]
    assert margin.endswith("in") and 8.5 - 2 * float(margin[:-2]) == theme.TEXT_WIDTH


def test_the_follow_up_is_a_result_only_when_there_is_one():
    """Without a recorded follow-up, "Where are they now?" is further work, not a results section that holds none."""
    paper = DOCS[0]
    without, with_one = paper.shown({"followup_recorded": False}), paper.shown({"followup_recorded": True})
    assert "followup_paper" not in without.inline_names and "Where are the snapshot's repositories now?" in without.body
    assert "### Where are they now?" not in without.body
    assert "followup_paper" in with_one.inline_names and "### Where are they now?" in with_one.body
