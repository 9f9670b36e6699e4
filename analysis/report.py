"""`make report`: snapshot -> tidy data -> executed notebooks -> paper and slides.

Quarto deletes its output folder when it renders a project, and it can only embed
cells from notebooks that already hold outputs. So the executed notebooks are kept in
`_output/notebooks/` and Quarto renders a staging copy of the documents (`_build/`)
in which the executed notebooks stand where the documents expect them; its results
are then moved into `_output/`. The committed notebooks stay clean throughout.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from rich.console import Console

from analysis import atomic, config, documents, facts, notebooks, previews
from analysis.build import build

console = Console(stderr=True, soft_wrap=True, highlight=False)
STAGED_SOURCES = ("_quarto.yml", "paper.qmd", "slides.qmd", "references.bib", "slides.scss")
INSTALL_QUARTO = (
    "To render the paper (HTML and PDF via Typst) and the slides, install Quarto 1.5 or newer:\n"
    "    .venv/bin/pip install -e '.[quarto]'   (downloads Quarto from GitHub; needs internet)\n"
    "or follow https://quarto.org/docs/get-started/ (conda: `conda install -c conda-forge quarto`),\n"
    "then run `make report` again."
)


def step(message: str) -> float:
    console.print(f"[bold]>[/bold] {message}")
    return time.perf_counter()


def done(start: float, detail: str = "") -> None:
    console.print(f"  done in {time.perf_counter() - start:.1f} s {detail}")


def execute_notebooks(env: dict[str, str], out: Path) -> list[Path]:
    """Execute every numbered notebook into `out`, with an HTML copy of each beside it."""
    sources = sorted(config.notebooks_dir().glob("[0-9][0-9]-*.ipynb"))
    executed = []
    for i, src in enumerate(sources, 1):
        start = step(f"executing notebook {i}/{len(sources)}: {src.name}")
        dest = out / src.name
        nb = notebooks.execute(src, dest, env)
        html, _ = HTMLExporter().from_notebook_node(nb)
        atomic.write_bytes(dest.with_suffix(".html"), html.encode())
        done(start)
        executed.append(dest)
    return executed


class ReportError(RuntimeError):
    """The documents and the executed notebooks do not fit together."""


def check_embeds(root: Path, executed_dir: Path) -> None:
    """Fail before Quarto runs if a document embeds a label no executed notebook holds."""
    for name in documents.DOCUMENTS:
        for embed in documents.read(root / name).embeds:
            nb_path = executed_dir / Path(embed.notebook).name
            if not nb_path.is_file():
                raise ReportError(f"{name}: embeds {embed.notebook}, which was not executed")
            labels = notebooks.labelled_outputs(nbformat.read(nb_path, as_version=4))
            mimes = labels.get(embed.label)
            if mimes is None or not notebooks.holds_expected_output(embed.label, mimes):
                raise ReportError(
                    f"{name}: embeds {embed.notebook}#{embed.label}, but no cell of the executed"
                    " notebook holds that label with a figure or table"
                )


def render_with_quarto(quarto: str, root: Path, executed: list[Path], env: dict[str, str]) -> None:
    """Render paper and slides from a staging copy, then move the results into `_output/`."""
    stage = config.project_root() / "_build"
    shutil.rmtree(stage, ignore_errors=True)
    (stage / "notebooks").mkdir(parents=True)
    for name in STAGED_SOURCES:
        if (root / name).exists():
            shutil.copy2(root / name, stage / name)
    for nb in executed:
        shutil.copy2(nb, stage / "notebooks" / nb.name)
    start = step("rendering paper and slides with Quarto")
    subprocess.run(
        [quarto, "render"], cwd=stage, check=True,
        env={**os.environ, **env, "QUARTO_PYTHON": sys.executable},
    )
    out = config.output_dir()
    for item in (stage / "_output").iterdir():
        target = out / item.name
        if target.is_dir():
            shutil.rmtree(target)
        shutil.move(str(item), target)
    done(start, f"-> {out}")


def run(snapshot: Path) -> None:
    """The main job. Without Quarto it says so and lists what it produced instead."""
    root = config.SOURCE_ROOT
    out = config.output_dir()
    snapshot = snapshot.resolve()
    processed = config.processed_dir(snapshot)

    start = step(f"building tidy tables from {snapshot}")
    quality = build(snapshot, processed)
    done(start, f"({quality['repositories']:,} repositories as of {quality['as_of']})")

    env = {config.SNAPSHOT_ENV: str(snapshot), config.PROCESSED_ENV: str(processed)}
    start = step("computing the numbers the paper and slides state")
    with notebooks.environment(env):
        stated = facts.current()
    done(start, f"-> {processed / facts.FACTS_FILE}")

    executed = execute_notebooks(env, out / "notebooks")
    check_embeds(root, out / "notebooks")
    start = step("drawing slide previews at the size the deck shows its figures")
    shown = previews.render(root / "slides.qmd", out / "notebooks", out / "slide-previews", stated)
    done(start, f"({len(shown)} slides -> {out / 'slide-previews'})")

    quarto = shutil.which("quarto")
    if quarto:
        render_with_quarto(quarto, root, executed, env)
        console.print(f"Report: {out / 'paper.html'}, {out / 'paper.pdf'}, {out / 'slides.html'}")
        return
    console.print("\nQuarto is not installed, so the paper and slides were not rendered.", style="bold yellow")
    console.print(
        "Produced instead:\n"
        f"  tidy data:           {processed}/ (repos.parquet, quality.json)\n"
        f"  executed notebooks:  {out / 'notebooks'}/*.ipynb\n"
        f"  notebooks as HTML:   {out / 'notebooks'}/*.html (open these in a browser)\n"
        f"  slide previews:      {out / 'slide-previews'}/*.png (each slide's figure at its shown size)\n"
        + INSTALL_QUARTO,
        markup=False,
    )
