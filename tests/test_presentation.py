"""How figures, tables and prose present results: sizes, number formats, text fit for print."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import polars as pl
import pytest

from analysis import config, players, plots, survival, tables, theme
from analysis.text import shorten

MINUS = "\u2212"


# -- figures -----------------------------------------------------------------------------------
def test_figures_report_their_printed_size_to_quarto():
    """Quarto places an image at its reported pixels / 96 in Typst: that must be the paper's text width."""
    shares = pl.DataFrame({"language": ["Python", "Go"], "repos": [3, 1], "share": [0.75, 0.25]})
    plot = plots.languages(shares)
    data, metadata = plot._repr_mimebundle_()
    size = metadata["image/png"]
    assert size["width"] / 96 == pytest.approx(theme.TEXT_WIDTH, abs=0.02)
    assert size["height"] / 96 == pytest.approx(plot.theme.getp("figure_size")[1], abs=0.02)
    png = base64.b64decode(data["image/png"]) if isinstance(data["image/png"], str) else data["image/png"]
    width_px = int.from_bytes(png[16:20], "big")
    assert width_px >= 2 * size["width"] - 2, "drawn at twice the reported size, sharp when a slide scales it up"


def test_the_lda_choice_shows_the_standard_error_its_rule_uses_and_minus_signs():
    """The rule ties a k with the best when its mean lies within one standard error: the bars show that."""
    grid = pl.DataFrame(
        {
            "k": [3, 4, 5],
            "coherence": [-0.02, -0.05, 0.03],
            "coherence_sd": [0.05, 0.04, 0.06],
            "coherence_se": [0.02, 0.018, 0.027],
            "perplexity": [900.0, 1000.0, 1100.0],
        }
    )
    plot = plots.lda_choice(grid, chosen=3)
    assert any(type(layer.geom).__name__ == "geom_errorbar" for layer in plot.layers)
    data: Any = plot.data  # the pandas frame plotnine draws
    coherence = data[data["measure"].str.startswith("Mean NPMI")].sort_values("k")
    assert list((coherence["high"] - coherence["value"]).round(3)) == [0.02, 0.018, 0.027]
    figure = plot.draw()
    ticks = [t.get_text() for ax in figure.axes for t in ax.get_yticklabels()]
    negative = [t for t in ticks if t.startswith((MINUS, "-"))]
    assert negative and all(t.startswith(MINUS) for t in negative), ticks


def blank_png() -> bytes:
    """A white 400 x 200 PNG: a figure for a slide preview."""
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (400, 200), "white").save(png, format="png")
    return png.getvalue()


def test_a_slide_preview_shrinks_a_long_title_to_fit_and_keeps_a_short_one():
    """The deck's font is narrower than the preview's: a title that fits on the slide must not run off its preview."""
    import numpy as np
    from PIL import Image

    from analysis import previews

    def title_ink(title: str) -> np.ndarray:
        """The columns of the preview's title band that hold ink."""
        pixels = np.asarray(Image.open(io.BytesIO(previews.compose(title, [], blank_png()))).convert("L"))
        return np.flatnonzero((pixels[: previews.TITLE_SPACE] < 128).any(axis=0))

    long = title_ink("Topics of descriptions are no more coherent than shuffled words, and more words still")
    assert long.max() < previews.WIDTH - previews.MARGIN + 2, "the title runs off the preview"
    assert long.max() > previews.WIDTH - 2 * previews.MARGIN, "shrunk more than it needed to be"
    short = title_ink("Languages")
    assert short.min() >= previews.MARGIN - 2 and short.max() < previews.WIDTH / 2


def test_slide_previews_of_slides_the_deck_no_longer_has_are_removed(tmp_path):
    """A slide added or removed renumbers the previews after it: the folder holds this deck's previews alone."""
    import nbformat

    from analysis import previews

    figure = nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(blank_png()).decode()})
    cell = nbformat.v4.new_code_cell("#| label: fig-x\nplot", outputs=[figure])
    (tmp_path / "executed").mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "executed" / "02-eda.ipynb")
    slides = tmp_path / "slides.qmd"
    slides.write_text("---\ntitle: Deck\n---\n\n## A figure\n\n{{< embed notebooks/02-eda.ipynb#fig-x >}}\n")
    out = tmp_path / "previews"
    out.mkdir()
    (out / "07-fig-x.png").write_bytes(b"an older deck's slide 7")
    (out / "notes.txt").write_text("not a preview")
    written = previews.render(slides, tmp_path / "executed", out, {})
    assert len(written) == 1 and written[0].name.endswith("-fig-x.png") and written[0].name != "07-fig-x.png"
    assert sorted(p.name for p in out.iterdir()) == sorted([written[0].name, "notes.txt"])


# -- numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.085, "8.5%"),
        (0.0853, "8.5%"),
        (0.887, "89%"),
        (0.119, "12%"),
        (0.997, "99.7%"),
        (1.0, "100%"),
        (0.0, "0%"),
        (-0.15, f"{MINUS}15%"),
        (1.6, "160%"),
        (12.0, "1,200%"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_a_share_is_rounded_by_one_rule(share, text):
    assert tables.percent(share) == text


def test_negative_numbers_have_a_minus_sign():
    assert tables.number(-0.0581, "+.3f") == f"{MINUS}0.058"
    assert tables.number(0.01, "+.3f") == "+0.010"
    assert tables.number(-1234.5, ",.1f") == f"{MINUS}1,234.5"
    assert tables.markdown(pl.DataFrame({"x": [-0.5]}), floatfmt=".2f").data.splitlines()[2] == f"| {MINUS}0.50 |"


#: A share or a signed number formatted by hand in the code, beside tables.percent and tables.number.
HAND_FORMAT = re.compile(r":[+,]?\.\d+%\}|\d+ \* [^{}]+:[+,]*\.\d+f\}%|floatfmt=\\?\"[^\"]*%")


def test_shares_are_formatted_by_one_function():
    """The same share printed in two places must come out the same: only tables.percent writes one."""
    files = sorted((config.SOURCE_ROOT / "analysis").glob("*.py")) + sorted(
        (config.SOURCE_ROOT / "notebooks").glob("*.ipynb")
    )
    found = [
        f"{path.name}: {match.group(0)}"
        for path in files
        for match in HAND_FORMAT.finditer(path.read_text(encoding="utf-8"))
        if match.group(0) not in ('floatfmt=\\"%', 'floatfmt="%')
    ]
    assert not found, "shares formatted by hand instead of by tables.percent:\n" + "\n".join(found)


# -- tables ------------------------------------------------------------------------------------
def test_table_widths_become_dash_counts_that_pandoc_reads_as_relative_widths():
    df = pl.DataFrame({"name": ["a"], "stars": [12345], "note": ["x"]})
    rule = tables.markdown(df, widths={"name": 3, "note": 6}).data.splitlines()[1]
    cells = rule.strip("|").split("|")
    assert [c.count("-") for c in cells] == [30, 10, 60]
    assert len(rule) > 72, "pandoc uses relative widths only for tables wider than 72 columns"
    assert cells[1].endswith(":") and not cells[0].endswith(":"), "numbers right, text left"


def test_table_cells_keep_the_formats_they_were_given():
    df = pl.DataFrame(
        {"term": ["a", "b"], "hr": ["0.63", "1.40"], "p": ["< 0.001", "0.05"], "n": [1234, 5], "share": [0.5, 0.125]}
    )
    text = tables.markdown(df, floatfmt="%").data
    assert "0.63" in text and "1.40" in text and "< 0.001" in text, "formatted strings are not re-read"
    assert "1,234" in text and " 50% |" in text and " 12% |" in text, "shares by tables.percent"
    assert text.splitlines()[1].strip("|").split("|")[1].endswith(":"), "formatted numbers align right"


@pytest.mark.parametrize(
    ("p", "text"), [(0.0004, "< 0.001"), (0.0051, "0.005"), (0.0375, "0.04"), (0.9, "0.90"), (None, "")]
)
def test_p_values_print_one_way(p, text):
    assert tables.p_value(p) == text


def test_descriptions_are_cut_at_a_word_with_an_ellipsis_and_no_emoji():
    text = "🚀 Learn how to design, develop, deploy and iterate on production-grade ML applications :rocket:"
    short = shorten(text, 40)
    assert short == "Learn how to design, develop, deploy and…"
    assert shorten("fits :sparkles:", 40) == "fits"
    assert len(shorten("x" * 100, 40)) == 41


# -- survival tables ---------------------------------------------------------------------------
def test_group_summary_states_each_log_rank_test_once_with_readable_names():
    data = pl.DataFrame(
        {
            "years": [1.0, 2.0, 3.0, 4.0, 1.5, 2.5, 5.0, 6.0],
            "inactive": [True, True, True, False, False, True, False, False],
            "content_type": ["tool", "tool", "learning", "learning"] * 2,
            "owner_type": ["User"] * 4 + ["Organization"] * 4,
        }
    )
    table = survival.group_summary(data)
    headed = [g for g in table["grouping"] if g]
    assert len(headed) == 2 and headed[0].startswith("Content type (log-rank p ")
    assert table.height == 4
    assert set(table["group"]) == {"tool", "learning", "user", "organisation"}, "the documents' words"
    assert all(v.endswith("%") for v in table["inactive"])


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("owner_type: Organization", "Owner type: organisation"),
        ("license: mit", "License: MIT"),
        ("log_stars", "Stars (per doubling)"),
    ],
)
def test_model_terms_read_as_words(term, text):
    assert survival.readable_term(term) == text


def test_key_owners_name_owner_types_in_the_documents_words():
    repos = pl.DataFrame(
        {
            "owner_login": ["acme", "ann", "acme"],
            "owner_type": ["Organization", "User", "Organization"],
            "name": ["a", "b", "c"],
            "stargazers_count": [5, 3, 1],
        }
    )
    assert players.key_owners(repos)["owner_type"].to_list() == ["organisation", "user"]
