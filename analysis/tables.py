"""Tables for the documents: markdown, which Quarto renders in HTML, Typst and reveal.js alike.

Numbers are formatted here, once, so every table, fact and sentence writes a percentage, a
p-value or a negative number the same way: one share is never 9% in one place and 8.5% in
another, and a minus is a minus sign (U+2212), not a hyphen. Column widths are set on purpose:
pandoc sizes a pipe table's columns by the dashes under its header when the table is wider than
a text line, and Typst would otherwise give a column of numbers so little room that neighbours
run together.
"""

from __future__ import annotations

import re

import polars as pl
from IPython.display import Markdown
from tabulate import tabulate

#: Dashes under the header in all: more than pandoc's 72-column line, so it reads them as widths.
SEPARATOR_WIDTH = 100
MINUS = "\u2212"
NUMBER = re.compile(rf"[<>]?\s?[-+{MINUS}]?[\d,.]+%?( to [-+{MINUS}]?[\d,.]+)?")
#: The documents' words for GitHub's values (its owner types are enum values: "Organization", "User").
GROUPS = {"Organization": "organisation", "User": "user"}


def number(x: float | None, spec: str = ".2f") -> str:
    """`x` by the format `spec`, with a minus sign where Python writes a hyphen; "" when there is none."""
    return "" if x is None or x != x else format(x, spec).replace("-", MINUS)


def percent(x: float | None) -> str:
    """A share in percent, rounded by one rule so that it reads the same wherever it is stated: whole
    percents, and one decimal where a whole percent would hide much of it (below 10%) or round it up to all
    (just under 100%)."""
    if x is None or x != x:
        return ""
    value = abs(100 * x)
    digits = 1 if 0 < value < 9.95 or 99.5 <= value < 99.95 else 0
    return number(100 * x, f",.{digits}f") + "%"


def prose_percent(x: float | None) -> str:
    """A share for prose, as the tables write it; "n/a" (which the report's checks catch) where there is none."""
    return percent(x) or "n/a"


def listed(items: list[str]) -> str:
    """Items as prose lists them: "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def group(value: str) -> str:
    """A group as the documents name it ("organisation", not GitHub's "Organization")."""
    return GROUPS.get(value, value)


def p_value(p: float | None) -> str:
    """Two decimals, three below 0.01, and "< 0.001" below that, as journals print them."""
    if p is None or p != p:
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def p_is(p: float) -> str:
    """A p-value in a sentence: "p = 0.04", or "p < 0.001"."""
    text = p_value(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def markdown(
    df: pl.DataFrame, floatfmt: str = ",.0f", widths: dict[str, float] | None = None, **headers: str
) -> Markdown:
    """Display `df` as a pipe table; `headers` renames columns for readers (column=Label).

    Floats are formatted by `floatfmt`, or as shares by `percent` when it is "%". `widths` gives
    columns' relative widths (missing ones get 1); numbers are right-aligned.
    """
    names = [headers.get(c, c) for c in df.columns]
    align = ["right" if df[c].dtype.is_numeric() or numeric_text(df[c]) else "left" for c in df.columns]
    cells = [[cell(v, floatfmt) for v in row] for row in df.rows()]
    # Cells are formatted on purpose ("0.63", "< 0.001"): tabulate must not re-read them as numbers.
    lines = tabulate(cells, headers=names, tablefmt="pipe", colalign=align, disable_numparse=True).splitlines()
    if widths is not None:
        lines[1] = separator(lines[1], [widths.get(c, 1.0) for c in df.columns])
    return Markdown("\n".join(lines))


def sentence(text: str) -> Markdown:
    """What stands in a table's place when the snapshot cannot support it: one sentence saying why."""
    return Markdown(text)


def cell(value: object, floatfmt: str) -> str:
    """Floats by `floatfmt` ("%": as shares), integers with thousands separators, the rest as they are."""
    if value is None:
        return ""
    if isinstance(value, float):
        return percent(value) if floatfmt == "%" else number(value, floatfmt)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def numeric_text(column: pl.Series) -> bool:
    """A column of formatted numbers (counts, percentages, p-values, intervals), to align right."""
    values = [v for v in column.to_list() if v not in (None, "")]
    return column.dtype == pl.String and bool(values) and all(NUMBER.fullmatch(v) for v in values)


def separator(line: str, weights: list[float]) -> str:
    """A pipe table's header rule with each column's dashes in proportion to its weight."""
    cells = line.strip("|").split("|")
    total = sum(weights)
    out = []
    for cell, weight in zip(cells, weights, strict=True):
        cell = cell.strip()
        dashes = "-" * max(3, round(SEPARATOR_WIDTH * weight / total))
        out.append((":" if cell.startswith(":") else "") + dashes + (":" if cell.endswith(":") else ""))
    return "|" + "|".join(out) + "|"
