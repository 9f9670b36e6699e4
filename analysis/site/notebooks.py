"""The executed notebooks as the site's HTML pages: nothing loaded from elsewhere, and an anchor per labelled cell.

The paper links each embedded figure or table to its cell as `notebooks/<name>.html#cell-<label>` (Quarto's
notebook view), so each labelled cell gets that id.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
LABEL = re.compile(r"^#\|\s*label:\s*(\S+)", re.MULTILINE)


def labels(nb: object) -> dict[str, str]:
    """Each labelled code cell's id -> its label."""
    found = {}
    for cell in nb.cells:  # type: ignore[attr-defined]
        label = LABEL.search(cell.source) if cell.cell_type == "code" else None
        if label and cell.get("id"):
            found[cell.id] = label.group(1)
    return found


def export(ipynb: Path, html: Path) -> None:
    """Write `ipynb` (executed) as a standalone HTML page."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(ipynb, as_version=4)
    text, _ = HTMLExporter(extra_template_basedirs=[str(TEMPLATES)], template_name="site").from_notebook_node(nb)
    for cell_id, label in labels(nb).items():
        opening = re.compile(rf'(<div[^>]*\sid="cell-id={re.escape(cell_id)}"[^>]*>)')
        text = opening.sub(rf'\1<span id="cell-{label}"></span>', text, count=1)
    html.write_text(text)
