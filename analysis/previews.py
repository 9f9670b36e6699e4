"""Slide previews: each slide's figure drawn at the size the deck will show it.

Quarto is not always installed, and a figure that reads well in a notebook can be
unreadable on a slide. This composes, for every slide that embeds a figure, a
1600 x 900 image laid out as slides.scss lays it out (title on top; the figure at most
640 px high, or 600 px in the 70% column beside a bullet list), so a person can check
fonts, clipping and overlaps without a browser.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import nbformat
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from analysis import atomic, documents, notebooks

WIDTH, HEIGHT = 1600, 900
MARGIN = 0.05 * WIDTH
TITLE_SPACE = 120
TITLE_SIZE = 30
MAX_FIGURE = 640
MAX_COLUMN_FIGURE = 600
COLUMN = 0.70


def figure_png(executed: Path, label: str) -> bytes | None:
    """The PNG a labelled cell of an executed notebook holds, if it holds one."""
    cell = notebooks.labelled_cells(nbformat.read(executed, as_version=4)).get(label)
    for output in cell.get("outputs", []) if cell else []:
        if "image/png" in output.get("data", {}):
            return base64.b64decode(output["data"]["image/png"])
    return None


def compose(title: str, bullets: list[str], png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    w, h = image.size
    columns = bool(bullets)
    box_w = (WIDTH - 2 * MARGIN) * (COLUMN if columns else 1.0)
    box_h = min(MAX_COLUMN_FIGURE if columns else MAX_FIGURE, HEIGHT - TITLE_SPACE - MARGIN)
    scale = min(box_w / w, box_h / h)
    shown_w, shown_h = round(w * scale), round(h * scale)
    left = WIDTH - MARGIN - box_w + (box_w - shown_w) / 2
    fig = Figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    heading = fig.text(
        MARGIN / WIDTH, 1 - 50 / HEIGHT, title, fontsize=TITLE_SIZE, color="#0b3d5c", weight="bold", va="top"
    )
    for i, bullet in enumerate(bullets):
        fig.text(MARGIN / WIDTH, 1 - (TITLE_SPACE + 20 + 60 * i) / HEIGHT, f"• {bullet}", fontsize=26, va="top")
    canvas = FigureCanvasAgg(fig)
    # The deck's font is narrower than matplotlib's: a title that would run off the preview is drawn smaller.
    drawn = heading.get_window_extent(canvas.get_renderer()).width
    if drawn > WIDTH - 2 * MARGIN:
        heading.set_fontsize(TITLE_SIZE * (WIDTH - 2 * MARGIN) / drawn)
    canvas.draw()
    slide = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).copy()
    # Resized as a browser would show it, then pasted pixel for pixel (matplotlib's figimage resamples again).
    shown = image.resize((shown_w, shown_h), Image.Resampling.LANCZOS)
    slide.alpha_composite(shown, (round(left), TITLE_SPACE))
    buffer = io.BytesIO()
    # Fast compression: a preview is looked at once, and the best compression took a third of a report's previews.
    slide.save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def fill(text: str, facts: dict[str, Any]) -> str:
    """Replace each inline `{python} name` with the fact Quarto would put there."""
    return documents.INLINE.sub(lambda m: str(facts.get(m.group(1), m.group(0))), text)


def render(slides: Path, executed_dir: Path, out: Path, facts: dict[str, Any]) -> list[Path]:
    """Write one preview per slide that embeds a figure, and remove the previews of slides the deck no longer
    has (a slide added or removed renumbers those after it); return their paths."""
    written = []
    for n, (_, title, body) in enumerate(documents.read(slides).shown(facts).slides(), 1):
        title, body = fill(title, facts), fill(body, facts)
        embeds = documents.EMBED.findall(body)
        if not embeds:
            continue
        notebook, label = embeds[0]
        png = figure_png(executed_dir / Path(notebook).name, label)
        if png is None:
            continue
        bullets = re.findall(r"^- (.+)$", body.split("::: {.notes}")[0], re.M) if "{.columns}" in body else []
        path = out / f"{n:02d}-{label}.png"
        atomic.write_bytes(path, compose(title, bullets, png))
        written.append(path)
    for stale in set(out.glob("[0-9][0-9]-*.png")) - set(written):
        stale.unlink()
    return written
