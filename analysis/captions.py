"""Captions under figures and tables in Jupyter, as the paper prints them.

A caption lives in its cell's `#| fig-cap:`/`#| tbl-cap:` option, which Quarto reads but
JupyterLab shows only as a comment. Registered in an interactive kernel, this shows it under
the cell's output too, with the notebook's parameters filled in. Under `make report` it stays
off: Quarto prints the caption there, and a second one would land in the documents.
"""

from __future__ import annotations

import os
import re
from typing import Any

import yaml

#: Set by `make report` (analysis.notebooks.execute) for the kernels it runs.
OFF_ENV = "MLOPS_NO_NOTEBOOK_CAPTIONS"
OPTION = re.compile(r"^#\|\s?(.*)$", re.MULTILINE)
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text: str, values: dict[str, Any]) -> str:
    """`text` with each `{name}` replaced by its value (left as it is where `values` has none)."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def caption(source: str, values: dict[str, Any]) -> str | None:
    """The fig-cap or tbl-cap of a cell's source, its `{name}` placeholders filled from `values`."""
    options = yaml.safe_load("\n".join(OPTION.findall(source)) or "{}")
    text = options.get("fig-cap") or options.get("tbl-cap") if isinstance(options, dict) else None
    if not isinstance(text, str):
        return None
    return fill(text, values)


def register() -> None:
    """Show each cell's caption under its output, in an interactive IPython kernel only."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or os.environ.get(OFF_ENV) or getattr(shell, "_mlops_captions", False):
        return

    def show(result: Any) -> None:
        text = caption(result.info.raw_cell or "", shell.user_ns)
        if text and result.success:
            display(Markdown(f"*{text}*"))

    shell.events.register("post_run_cell", show)
    shell._mlops_captions = True
