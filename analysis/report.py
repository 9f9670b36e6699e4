"""`make report`: snapshot -> tidy data -> executed notebooks -> paper and slides.

Quarto deletes its output folder when it renders a project, and it can only embed
cells from notebooks that already hold outputs. So the executed notebooks are kept in
`_output/notebooks/` and Quarto renders a staging copy of the documents (`_build/`)
in which the executed notebooks stand where the documents expect them; its results
are then moved into `_output/`. The committed notebooks stay clean throughout.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from rich.console import Console

from analysis import atomic, config, documents, facts, notebooks, parameters, previews
from analysis.build import build

console = Console(stderr=True, soft_wrap=True, highlight=False)
STAGED_SOURCES = ("_quarto.yml", "paper.qmd", "slides.qmd", "references.bib", "slides.scss")
INSTALL_QUARTO = (
    "To render the paper (HTML and PDF via Typst) and the slides, install Quarto 1.5 or newer with an\n"
    "installer from https://quarto.org/docs/get-started/ or `conda install -c conda-forge quarto`, or\n"
    "run `.venv/bin/pip install -e '.[quarto]'` where GitHub can be reached (it downloads Quarto from there),\n"
    "then run `make report` again."
)
#: The pyproject extra that installs Quarto (the `quarto-cli` package) into the venv.
QUARTO_EXTRA = "quarto"
#: quarto-cli downloads Quarto (about 150 MB) from GitHub while it installs; without GitHub, pip fails in
#: seconds (measured here: 4 to 24 s), but a network that drops packets could hang it, so it is bounded.
PIP_TIMEOUT_S = 300


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
        try:
            nb = notebooks.execute(src, dest, env)
        except (notebooks.NotebookError, parameters.ParameterError) as e:
            raise ReportError(str(e)) from None
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


def find_quarto(python: Path) -> str | None:
    """Quarto on PATH, else the one the `quarto-cli` package put beside the venv's interpreter."""
    beside = python.parent / "quarto"
    return shutil.which("quarto") or (str(beside) if os.access(beside, os.X_OK) else None)


def quarto_requirements() -> list[str]:
    """The `quarto` extra of pyproject.toml (e.g. `quarto-cli>=1.5`): the version bound is stated once."""
    pyproject = tomllib.loads((config.SOURCE_ROOT / "pyproject.toml").read_text())
    return pyproject["project"]["optional-dependencies"][QUARTO_EXTRA]


def runs(quarto: str) -> bool:
    """Whether `quarto --version` works: an install can succeed and still leave a Quarto that does not."""
    try:
        return subprocess.run([quarto, "--version"], capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run_bounded(command: list[str], timeout: float) -> tuple[int, str]:
    """Run a command for at most `timeout` seconds; (exit code, stderr), or TimeoutExpired.

    On timeout (or Ctrl-C, which its own session does not receive) its whole process group is
    killed: pip's build subprocesses would otherwise live on, holding the output pipe open.
    """
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        try:
            _, stderr = process.communicate(timeout=timeout)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return process.returncode, stderr


def install_quarto(python: Path) -> tuple[str | None, str]:
    """pip-install the `quarto` extra beside `python`; (Quarto's path, "") or (None, why not).

    Whatever goes wrong (pip fails, times out, is interrupted, or installs a Quarto that
    does not run), the packages are uninstalled again, so the next run starts clean.
    """
    requirements = quarto_requirements()
    pip = [str(python), "-m", "pip"]
    start = step(f"Quarto not found: installing {' '.join(requirements)} with pip (downloads Quarto from GitHub)")
    quarto, reason = None, ""
    try:
        returncode, stderr = run_bounded([*pip, "install", "--quiet", *requirements], PIP_TIMEOUT_S)
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        if returncode:
            # pip's first ERROR line says what failed; what follows is the build's own traceback.
            errors = [line for line in lines if line.startswith("ERROR:")] or lines[-1:] or [f"exit code {returncode}"]
            reason = f"pip failed: {errors[0]}"
        else:
            quarto = find_quarto(python)
            if not (quarto and runs(quarto)):
                quarto, reason = None, "pip installed it, but `quarto --version` does not run"
    except subprocess.TimeoutExpired:
        reason = f"pip did not finish within {PIP_TIMEOUT_S} s"
    finally:
        if quarto is None:
            names = [re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0] for r in requirements]
            subprocess.run([*pip, "uninstall", "--yes", "--quiet", *names], capture_output=True, timeout=PIP_TIMEOUT_S)
    done(start, f"-> {quarto}" if quarto else "(not installed)")
    return quarto, reason


def run(snapshot: Path) -> None:
    """The main job. Without Quarto it installs the `quarto` extra; failing that, it says so and lists what it made."""
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

    python = Path(sys.executable)
    quarto, reason = find_quarto(python), ""
    if not quarto:
        quarto, reason = install_quarto(python)
    if quarto:
        render_with_quarto(quarto, root, executed, env)
        console.print(f"Report: {out / 'paper.html'}, {out / 'paper.pdf'}, {out / 'slides.html'}")
        return
    console.print(
        f"\nQuarto is not installed and could not be installed ({reason}),"
        " so the paper and slides were not rendered.",
        style="bold yellow", markup=False,
    )
    console.print(
        "Produced instead:\n"
        f"  tidy data:           {processed}/ (repos.parquet, quality.json)\n"
        f"  executed notebooks:  {out / 'notebooks'}/*.ipynb\n"
        f"  notebooks as HTML:   {out / 'notebooks'}/*.html (open these in a browser)\n"
        f"  slide previews:      {out / 'slide-previews'}/*.png (each slide's figure at its shown size)\n"
        + INSTALL_QUARTO,
        markup=False,
    )
