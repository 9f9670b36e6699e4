"""The judging behind tests/test_rendered.py, on small made-up pages, headings and text."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pdfplumber
import pytest
import rendered
from rendered import Box, Heading, Mark, Page

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402  (after choosing the backend)

LETTER = (612.0, 792.0)


def page(number: int, words: Sequence[Mark] = (), images: Sequence[Mark] = ()) -> Page:
    return Page(number, Box(72, 72, 540, 720), list(words), [], list(images), [])


def word(text: str, x0: float, top: float, width: float = 30, height: float = 10) -> Mark:
    return Mark(text, Box(x0, top, x0 + width, top + height))


def test_overlap_is_a_fraction_of_the_smaller_box():
    big, small = Box(0, 0, 10, 10), Box(5, 5, 7, 7)
    assert big.overlap(small) == small.overlap(big) == 1.0
    assert Box(0, 0, 10, 10).overlap(Box(5, 0, 15, 10)) == 0.5
    assert Box(0, 0, 10, 10).overlap(Box(10, 0, 20, 10)) == 0.0  # touching is not overlapping


def test_sticks_out_measures_the_worst_side():
    area = Box(72, 72, 540, 720)
    assert area.sticks_out(Box(100, 100, 200, 200)) < 0
    assert area.sticks_out(Box(-256, 90, 868, 652)) == pytest.approx(328)


@pytest.mark.parametrize(
    "margin, expected",
    [
        (None, Box(90, 90, 522, 702)),  # Quarto's Typst template: 1.25 in all round
        ({"x": "1in", "y": "1in"}, Box(72, 72, 540, 720)),
        ({"x": "2.54cm", "top": "20mm", "rest": "1in"}, Box(72, 20 / 25.4 * 72, 540, 720)),
    ],
)
def test_text_area_follows_the_typst_margin(margin, expected):
    area = rendered.text_area(*LETTER, margin)
    for side in ("x0", "top", "x1", "bottom"):
        assert getattr(area, side) == pytest.approx(getattr(expected, side))


def test_overprinted_words_are_paired_and_neighbours_are_not():
    words = [word("Clus-", 96, 124, 24), word("Size", 106, 124, 17), word("Median", 140, 124), word("ter", 96, 138)]
    assert [(a.text, b.text) for a, b in rendered.overprinted(words)] == [("Clus-", "Size")]


def test_a_page_ending_early_before_a_pushed_figure_is_found():
    short = page(5, [word("text", 72, 72), word("more", 72, 150)])
    figure = page(6, [word("Figure", 72, 600)], [Mark("image", Box(72, 72, 540, 580))])
    full = page(7, [word("text", 72, 72), word("end", 72, 700)])
    table = page(8, [word("Table", 72, 72), word("4:", 104, 72), word("x", 72, 90)])
    assert rendered.ends_early(short) and not rendered.ends_early(full)
    assert rendered.starts_with_figure(figure) and rendered.starts_with_figure(table)
    assert not rendered.starts_with_figure(full)
    found = rendered.pushed_figures([short, figure, full, short, table, short])
    assert [p.split(" ends")[0] for p in found] == ["page 5", "page 5"]  # the last page may end anywhere


def test_a_word_on_two_lines_is_broken_and_one_on_a_line_is_not():
    words = [
        {"text": "Organization", "table": "tbl-x", "lines": [[0, 0, 80, 18], [0, 18, 8, 36]]},
        {"text": "287,127", "table": "tbl-y", "lines": [[0, 0, 40, 18]]},
        # Two boxes on one line (a font fallback for one glyph) are one line, not a break.
        {"text": "8.5%", "table": "tbl-y", "lines": [[0, 0, 20, 18], [20, 1, 28, 18]]},
    ]
    assert rendered.broken_words(words) == ["'Organization' in #tbl-x is broken over 2 lines"]


def test_empty_headings():
    headings = [
        Heading("p1", 1, "Results", 2, "5.1 What", content_before_next=False),  # a subsection may follow at once
        Heading("p2", 2, "", 2, "x"),
        Heading("p3", 1, "References", 1, "Bibliography", content_before_next=False),
        Heading("p4", 1, "Bibliography"),
    ]
    assert rendered.empty_headings(headings) == [
        "p2: an h2 heading with no text",
        "p3: heading 'References' (level 1) is empty: nothing stands before the next heading 'Bibliography' (level 1)",
    ]


def test_outline_headings_see_what_lies_between_bookmarks():
    pages = [page(1, [word("References", 72, 353), word("Bibliography", 72, 391), word("[1]", 72, 410)])]
    outline = [(1, "References", 0, 345.0), (1, "Bibliography", 0, 383.0)]
    first, last = rendered.outline_headings(outline, pages)
    assert not first.content_before_next and last.next_level is None
    pages[0].words.insert(1, word("[1]", 72, 370))
    assert rendered.outline_headings(outline, pages)[0].content_before_next


def test_text_rules():
    text = "For `topic:mlops`, not measured (n/a); TODO. See ?@fig-x and **bold**. Figure 3: x 🔮"
    found = {
        f.rule: f.count
        for f in rendered.text_problems(text, (*rendered.TEXT_RULES, rendered.EMOJI, rendered.FIGURE_PREFIX))
    }
    assert found == {
        "a literal backtick": 2,
        "leftover markdown `**`": 2,
        "the placeholder 'not measured'": 1,
        "the placeholder 'n/a'": 1,
        "a TODO": 1,
        "an unresolved reference `?@`": 1,
        "an emoji (Typst prints a box)": 1,
        "a 'Figure N:' caption prefix": 1,
    }
    assert not rendered.text_problems("a todolist, Figure 3 shows, N/As and a–b", rendered.TEXT_RULES)


def test_consistency_rules():
    text = "growth -15% to 25% (margin -0.058); Kaplan-Meier curves; Owner type: Organization"
    found = {f.rule: f.count for f in rendered.text_problems(text, rendered.CONSISTENCY_RULES)}
    assert found == {
        "a hyphen-minus as a minus sign (write U+2212)": 2,
        "'Kaplan-Meier' with a hyphen (two names: an en dash)": 1,
        "GitHub's owner type 'Organization' (the documents say 'organisation')": 1,
    }
    fine = "growth \u221215% to 25%, 2023-01-19, SHA-256, top-10, Kaplan–Meier curves, organisations"
    assert not rendered.text_problems(fine, rendered.CONSISTENCY_RULES)


def test_section_at_names_the_heading_before_the_offset():
    text = "Title\nAbstract\nbad `x`\n1 Introduction\nIntroduction is fine, bad `y`"
    headings = ["Abstract", "1 Introduction"]
    assert rendered.section_at(text, headings, text.index("`x")) == "section 'Abstract'"
    assert rendered.section_at(text, headings, text.index("`y")) == "section '1 Introduction'"
    assert rendered.section_at(text, headings, 0) == "section 'the title block'"


def test_outputs_are_unavailable_when_missing_or_stale(tmp_path):
    root, out = tmp_path / "project", tmp_path / "out"
    (root / "analysis").mkdir(parents=True)
    out.mkdir()
    (root / "paper.qmd").write_text("---\n---\n")
    assert "no rendered paper.pdf, paper.html, slides.html" in (rendered.unavailable(out, root) or "")
    for name in rendered.OUTPUTS:
        (out / name).write_text("rendered")
    assert rendered.unavailable(out, root) is None
    (root / "analysis" / "plots.py").write_text("")
    os.utime(root / "analysis" / "plots.py", (2e9, 2e9))
    assert "older than 1 of its sources (e.g. analysis/plots.py)" in (rendered.unavailable(out, root) or "")


def test_a_pdf_with_a_caption_over_a_figure_and_overprinted_words(tmp_path: Path):
    """A real PDF (matplotlib) read the way paper.pdf is: an image running into the margin, text on it."""
    path = tmp_path / "page.pdf"
    fig = plt.figure(figsize=(8.5, 11))
    fig.figimage(np.zeros((300, 700)), xo=36, yo=400)  # at 72 dpi: 700 pt wide, from 92 to 392 pt down
    fig.text(0.3, 0.6, "Caption over the figure", fontsize=10)
    fig.text(0.2, 0.2, "Cluster", fontsize=10)
    fig.text(0.21, 0.2, "Size", fontsize=10)
    fig.savefig(path, dpi=72)
    plt.close(fig)
    with pdfplumber.open(path) as pdf:
        p = rendered.read_page(pdf.pages[0], rendered.text_area(*LETTER, {"x": "1in", "y": "1in"}))
    assert rendered.outside(p.images, p.area, 3)
    assert [text for text, _ in rendered.text_over_images(p.chars, p.images)] == ["Caption over the figure"]
    assert [(a.text, b.text) for a, b in rendered.overprinted(p.words)] == [("Cluster", "Size")]


# Floats in the PDF, on made-up lines (11 pt body text, lines 14.4 pt apart, paragraphs 20 pt apart).
BODY = 11.0


def lines(page: int, *specs: tuple[str, float, float]) -> list[rendered.Line]:
    """Lines of a page from (text, top, size); each 11 pt tall and as wide as the text area unless it ends
    a paragraph (then short)."""
    raw = [(text, Box(72, top, 300 if text.endswith("|") else 540, top + 11), size) for text, top, size in specs]
    return rendered.classify_lines(page, [(t.rstrip("|"), b, s) for t, b, s in raw], BODY)


def test_captions_run_on_over_their_close_lines_and_stop_at_a_paragraph():
    found = lines(
        1,
        ("Figure 1: Repositories per quarter, with the fit and", 100, 11),
        ("its predictive interval.|", 114.4, 11),
        ("The next paragraph starts here and", 134.8, 11),
        ("Quarter 9 Q1", 160, 8),
        ("5.2 How is it growing?", 180, 13),
    )
    assert [line.kind for line in found] == ["caption", "caption", "prose", "other", "heading"]


def test_a_float_after_a_finished_paragraph_interrupts_nothing():
    page = lines(
        2,
        ("Activity is recent for many (Figure 1).|", 72, 11),
        ("Figure 1: Density of years since the last push.", 300, 11),
        ("The talk's users are stars summed", 330, 11),
    )
    floats = rendered.page_floats(page, [Box(72, 100, 540, 290)])
    around = [(f.name, f.before and f.before.text[:8], f.after and f.after.text[:8]) for f in floats]
    assert around == [("Figure 1", "Activity", "The talk")]
    assert rendered.interrupting_floats(floats, 540, BODY) == []


def test_a_float_inside_a_sentence_is_found_on_its_page_and_across_a_page_break():
    page = lines(3, ("Its 95%", 72, 11), ("Table 2: Coverage of each query.", 100, 11), ("Query Reported", 120, 9))
    assert rendered.interrupting_floats(rendered.page_floats(page, []), 540, BODY) == [
        "page 3: Table 2 cuts a sentence: the text above it ends 'Its 95%'"
    ]
    previous = lines(4, ("the chosen model's 95%", 700, 11))[0]
    opening = rendered.page_floats(
        lines(5, ("Table 3: Hazard ratios.", 72, 11), ("predictive interval", 200, 11)), [], previous
    )
    assert opening[0].opens_page and "on the page before" in rendered.interrupting_floats(opening, 540, BODY)[0]


def test_a_float_between_two_list_items_cuts_the_list():
    page = lines(
        6,
        ("• Unstable paging. Pages are not stable.|", 72, 11),
        ("Table 1: Coverage of each query.", 100, 11),
        ("• A lagging index. 23 results no longer list it.|", 140, 11),
    )
    assert rendered.interrupting_floats(rendered.page_floats(page, []), 540, BODY) == [
        "page 6: Table 1 cuts a list: the item '• A lagging index. 23 results no longer list it.' follows it"
    ]


def test_floats_are_numbered_in_the_order_of_their_first_citation_main_text_and_appendix_apart():
    text = lines(
        1,
        ("Methods use Figure A.1 and the data (Figure", 72, 11),
        ("2), then Figure 1.|", 86.4, 11),
        ("Table A.1 ends it.|", 106.8, 11),
    )
    cited = rendered.first_citations(text)
    assert cited == {"Figure A.1": (1, 72), "Figure 2": (1, 72), "Figure 1": (1, 86.4), "Table A.1": (1, 106.8)}

    def made(name: str) -> rendered.Float:
        kind, number = name.split(" ")
        return rendered.Float(kind, number, 2, Box(0, 0, 0, 0), None, None, True, True)

    floats = [made("Figure 1"), made("Figure 2"), made("Figure A.1"), made("Table A.1"), made("Table 1")]
    assert rendered.misnumbered_floats(floats, cited) == [
        "Table 1 (page 2) is never cited in the text",
        "Figure n are numbered 1, 2 but first cited in the order 2, 1",
    ]


def test_a_float_lies_within_its_section_or_at_the_edge_of_a_page_where_it_is():
    headings = [("5.2 How is it growing?", 7, 400.0), ("5.3 What is posted?", 8, 300.0), ("6 Discussion", 10, 100.0)]
    cited = {"Figure 2": (7, 450.0)}

    def at(page: int, top: float, opens: bool = False, closes: bool = False) -> list[str]:
        placed = rendered.Float("Figure", "2", page, Box(0, top, 0, top + 200), None, None, opens, closes)
        return rendered.floats_outside_their_section([placed], cited, headings)

    assert at(7, 500) == [] and at(8, 72, opens=True) == []  # below its heading; at the top of the next page
    assert at(7, 72, opens=True) == []  # at the top of the page where its section starts
    assert at(8, 400) != []  # below the next section's heading
    assert at(9, 72, opens=True) == [
        "page 9: Figure 2 lies outside its section '5.2 How is it growing?' (pages 7 to 8), which first cites it"
    ]


def slide(number: int, title: str, marks: list[tuple[bool, list[float]]], title_bottom: float = 100) -> rendered.Slide:
    """A made-up 1600x900 slide, unscaled, with the title ending at `title_bottom` and (is title, box) marks."""
    return rendered.Slide(
        number,
        {
            "h": number,
            "v": 0,
            "title": title,
            "kind": "content",
            "title_box": [80, 40, 1520, title_bottom],
            "slide_box": [0, 0, 1600, 900],
            "marks": [{"what": "x", "title": t, "box": b} for t, b in marks],
        },
    )


def test_a_slide_with_two_short_bullets_is_mostly_blank_and_a_figure_slide_is_not():
    bullets = slide(1, "What is MLOps?", [(True, [80, 40, 600, 100]), (False, [120, 130, 1400, 240])])
    assert bullets.filled() == pytest.approx((1280 * 110) / (1600 * 800))
    figure = slide(2, "Python leads", [(False, [80, 120, 1520, 860])])
    assert figure.filled() > 0.7
    assert slide(3, "Nothing", [(True, [80, 40, 600, 100])]).filled() == 0.0


def test_duplicate_titles_name_the_slide_repeated():
    slides = [slide(1, "A", []), slide(2, "Growing?", []), slide(3, "Growing?", []), slide(4, "Growing?", [])]
    problems = rendered.duplicate_titles(slides)
    assert len(problems) == 2 and all("slide 2" in p for p in problems)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Say what the figure shows. Then say why it matters.", 2),
        ("Hazard ratio 0.63 (95% CI 0.5 to 0.8). The data are at isabelizimm/mlops-metaanalysis.", 2),
        ("One sentence with no stop", 1),
        ("  ", 0),
        ('He said "stop." Then left! Why? 2023 was the year.', 4),
    ],
)
def test_sentences_are_counted_at_their_stops(text, count):
    assert rendered.sentences(text) == count
