"""The notebooks' parameters cells: what a reader may change, read the same way by everyone.

Each numbered notebook opens with one code cell tagged `parameters` (Papermill's
convention) that assigns literal values. The notebook uses them; `make report` fills
`{name}` placeholders in the notebook's captions from them; and `analysis.facts` reads them
too, so a value changed in a notebook changes its captions and the documents' prose alike.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import captions, config

if TYPE_CHECKING:  # importing nbformat takes seconds (its validator's schemas): a notebook's kernel rarely needs it
    import nbformat

TAG = "parameters"
OPTION = re.compile(r"^(#\|.*)$", re.MULTILINE)


class ParameterError(ValueError):
    """A parameters cell that cannot be read as plain assignments of literal values."""


def of_notebook(nb: nbformat.NotebookNode, where: str = "notebook") -> dict[str, Any]:
    """The values the notebook's parameters cell assigns ({} when it has none)."""
    cell = next((c for c in nb.cells if c.cell_type == "code" and TAG in c.metadata.get("tags", [])), None)
    if cell is None:
        return {}
    values: dict[str, Any] = {}
    for node in ast.parse(cell.source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise ParameterError(f"{where}: line {node.lineno} of the parameters cell is not `name = value`")
        try:
            values[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            raise ParameterError(
                f"{where}: {node.targets[0].id} in the parameters cell is not a literal value"
                " (numbers, strings, tuples, lists, sets, dicts)"
            ) from None
    return values


def of_notebooks(folder: Path | None = None) -> dict[str, Any]:
    """Every numbered notebook's parameters, in one mapping (a name means one thing in all of them)."""
    import nbformat

    merged: dict[str, Any] = {}
    for path in sorted((folder or config.notebooks_dir()).glob("[0-9][0-9]-*.ipynb")):
        for name, value in of_notebook(nbformat.read(path, as_version=4), path.name).items():
            if name in merged and merged[name] != value:
                raise ParameterError(f"{path.name}: parameter {name} = {value!r} differs from another notebook's")
            merged[name] = value
    return merged


def fill_captions(nb: nbformat.NotebookNode, values: dict[str, Any]) -> None:
    """Write the parameters' values into the `{name}` placeholders of every cell option (captions), in place."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = OPTION.sub(lambda line: captions.fill(line.group(1), values), cell.source)
