"""How figures, tables and prose present results: sizes, number formats, text fit for print."""

from __future__ import annotations

import base64

import polars as pl
import pytest

from analysis import plots, survival, tables, theme
from analysis.text import shorten


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
    text = tables.markdown(df, floatfmt=".1%").data
    assert "0.63" in text and "1.40" in text and "< 0.001" in text, "formatted strings are not re-read"
    assert "1,234" in text and "50.0%" in text and "12.5%" in text
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
    assert all(v.endswith("%") for v in table["inactive"])


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("owner_type: Organization", "Owner type: Organization"),
        ("license: mit", "License: MIT"),
        ("log_stars", "Stars (per doubling)"),
    ],
)
def test_model_terms_read_as_words(term, text):
    assert survival.readable_term(term) == text
