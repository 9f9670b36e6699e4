"""Tables for the documents: markdown, which Quarto renders in HTML, Typst and reveal.js alike."""
from __future__ import annotations

import polars as pl
from IPython.display import Markdown
from tabulate import tabulate


def markdown(df: pl.DataFrame, floatfmt: str = ",.0f", **headers: str) -> Markdown:
    """Display `df` as a pipe table; `headers` renames columns for readers (column=Label)."""
    names = [headers.get(c, c) for c in df.columns]
    text = tabulate(df.rows(), headers=names, tablefmt="pipe", floatfmt=floatfmt, intfmt=",")
    return Markdown(text)
