"""`make report`: snapshot -> tidy data -> executed notebooks -> paper and slides.

Quarto deletes its output folder when it renders a project, and it can only embed
cells from notebooks that already hold outputs. So the executed notebooks are kept in
`_output/notebooks/` and Quarto renders a staging copy of the documents (`_build/`)
in which the executed notebooks stand where the documents expect them; its results
are then moved into `_output/`. The committed notebooks stay clean throughout.

Each step runs only when its inputs changed (`analysis.fingerprint`). The heavy modules
(nbformat, nbconvert, the analyses) are imported by the steps that use them, so that a
report with nothing to do is done in seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TypeVar

from rich.console import Console

from analysis import atomic, config, documents, fingerprint, metadata

console = Console(stderr=True, soft_wrap=True, highlight=False)
STAGED_SOURCES = ("_quarto.yml", "paper.qmd", "slides.qmd", "references.bib", "slides.scss")
INSTALL_QUARTO = (
    "To render the paper (HTML and PDF via Typst) and the slides, install Quarto 1.5 or newer with an\n"
    "installer from https://quarto.org/docs/get-started/ or `conda install -c conda-forge quarto`, or\n"
    "run `.venv/bin/pip install -e '.[quarto]'` where GitHub can be reached (it downloads Quarto from there),\n"
    "then run `make report` again."
)
#: The documents Quarto renders into `_output/`.
RENDERED = ("paper.html", "paper.pdf", "slides.html")
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


def once(
    store: fingerprint.Store, name: str, key: str, message: str, work: Callable[[], tuple[list[Path], str]]
) -> list[Path]:
    """Run a step unless it last ran on the same inputs (`key`), saying which and why; its outputs."""
    why = store.why_stale(name, key)
    if why is None:
        console.print(f"[bold]>[/bold] {message}: skipped, its inputs are unchanged")
        return store.fresh(name)
    start = step(f"{message} ({why})")
    outputs, detail = work()
    store.record(name, key, outputs)
    done(start, detail)
    return outputs


def reads_facts(notebook: Path) -> bool:
    """Whether a notebook's cells import the facts (or cannot be told not to): it then runs last."""
    modules = fingerprint.notebook_imports(fingerprint.code_cells(notebook))
    return modules is None or "analysis.facts" in modules


def execute_notebooks(store: fingerprint.Store, inputs: str, env: dict[str, str], out: Path) -> list[Path]:
    """Execute each numbered notebook whose inputs changed into `out`, with an HTML copy beside it.

    A notebook's key covers its own content (parameters included) and the package code its
    cells import. The notebooks read only the tidy tables, never each other, so one
    notebook's edit re-executes that notebook alone, and those that run, run at once, one
    kernel a core, while the facts are computed; the models and facts that both ask for are
    computed once (`fingerprint.cached`, `facts.current`), the second asker waiting for them.
    """
    sources = sorted(config.notebooks_dir().glob("[0-9][0-9]-*.ipynb"))
    stale = []
    for i, src in enumerate(sources, 1):
        name = f"notebook {src.name}"
        key = fingerprint.sha256(inputs, src.read_bytes(), fingerprint.notebook_code(fingerprint.code_cells(src)))
        why = store.why_stale(name, key)
        message = f"executing notebook {i}/{len(sources)}: {src.name}"
        if why is None:
            console.print(f"[bold]>[/bold] {message}: skipped, its inputs are unchanged")
        else:
            stale.append((name, key, src, f"{message} ({why})"))

    def run_one(name: str, key: str, src: Path, message: str) -> None:
        start = step(message)
        store.record(name, key, execute_one(src, out / src.name, env))
        done(start, f"({src.name})")

    # Those that read the facts last: they would wait for them.
    stale.sort(key=lambda job: reads_facts(job[2]))
    executed = [out / src.name for src in sources]
    if not stale:
        return executed
    from analysis import kernels

    kernels.preload(kernels.preloads(job[2] for job in stale))
    with ThreadPoolExecutor(max_workers=max(1, min(len(stale), os.cpu_count() or 1))) as pool:
        try:
            results([pool.submit(run_one, *job) for job in stale])
        except KeyboardInterrupt:  # the kernels, in sessions of their own, did not get the Ctrl-C: they are ended
            kernels.stop_all()
            pool.shutdown(cancel_futures=True)
            raise
    return executed


T = TypeVar("T")


def results(futures: list[Future[T]]) -> list[T]:
    """The futures' results, in order, once all are done. Waited for in short slices: a Ctrl-C lands on any of the
    report's threads, and a main thread blocked in `Future.result()` sees it only when that future is done."""
    while wait(futures, timeout=0.2).not_done:
        pass
    return [future.result() for future in futures]


def execute_one(src: Path, dest: Path, env: dict[str, str]) -> list[Path]:
    """Execute one notebook into `dest`, with its HTML copy beside it; the two files."""
    from nbconvert import HTMLExporter

    from analysis import notebooks, parameters

    try:
        nb = notebooks.execute(src, dest, env)
    except (notebooks.NotebookError, parameters.ParameterError) as e:
        raise ReportError(str(e)) from None
    html, _ = HTMLExporter().from_notebook_node(nb)
    atomic.write_bytes(dest.with_suffix(".html"), html.encode())
    return [dest, dest.with_suffix(".html")]


class ReportError(RuntimeError):
    """The documents and the executed notebooks do not fit together."""


def check_embeds(root: Path, executed_dir: Path) -> None:
    """Fail before Quarto runs if a document embeds a label no executed notebook holds."""
    import nbformat

    from analysis import notebooks

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


#: What Quarto renders, each in a staging copy of its own so that the three run at once: (document, format).
RENDERS = (("paper.qmd", "html"), ("paper.qmd", "typst"), ("slides.qmd", "revealjs"))


def stage_project(folder: Path, root: Path, executed: list[Path], facts: dict[str, object]) -> None:
    """A project Quarto can render: the documents (their plain facts written in, `documents.inline`), the executed
    notebooks, and the facts as metadata."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "notebooks").mkdir(parents=True)
    for name in STAGED_SOURCES:
        if name in documents.DOCUMENTS:
            (folder / name).write_text(documents.inline((root / name).read_text(), facts))
        elif (root / name).exists():
            shutil.copy2(root / name, folder / name)
    for nb in executed:
        shutil.copy2(nb, folder / "notebooks" / nb.name)
    metadata.write(facts, folder)


def render_with_quarto(
    quarto: str, root: Path, executed: list[Path], facts_file: Path, env: dict[str, str]
) -> list[Path]:
    """Render the paper (HTML, PDF) and the slides at once, each from a staging copy that holds the executed
    notebooks and the facts as metadata (Quarto runs no Python), then move them into `_output/`; the documents.

    Each render's console output goes to a log beside its copy, shown when it fails."""
    check_embeds(root, config.output_dir() / "notebooks")
    stage = config.project_root() / "_build"
    facts = json.loads(facts_file.read_text())
    running = []
    for document, to in RENDERS:
        folder = stage / f"{Path(document).stem}-{to}"
        stage_project(folder, root, executed, facts)
        log = (stage / f"{folder.name}.log").open("w")
        command = [quarto, "render", document, "--to", to]
        process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
        running.append((folder, log, process, time.perf_counter()))
    failed = []
    pending = list(running)
    while pending:  # each said as it ends, with its own time
        time.sleep(0.1)
        for folder, log, process, started in [r for r in pending if r[2].poll() is not None]:
            pending.remove((folder, log, process, started))
            log.close()
            code = process.returncode
            console.print(f"  {folder.name}: {'failed' if code else 'done'} in {time.perf_counter() - started:.1f} s")
            if code:
                tail = "\n".join(Path(log.name).read_text().splitlines()[-15:])
                failed.append(f"Quarto failed on {folder.name} (exit {code}; log {log.name}):\n{tail}")
    if failed:
        raise ReportError("\n".join(failed))
    out = config.output_dir()
    for folder, *_ in running:
        for item in (folder / "_output").iterdir():
            if item.is_file():
                shutil.move(str(item), out / item.name)
    return [out / name for name in RENDERED if (out / name).is_file()]


def quarto_version(quarto: str) -> str:
    return subprocess.run([quarto, "--version"], capture_output=True, text=True, check=True).stdout.strip()


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
    with subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as process:
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


def check_inputs(snapshot: Path) -> None:
    """Stop before anything is written if a file the analysis reads is missing, malformed or changed:
    the snapshot's responses (against their checksums), the hand labels, the tool list, the talk's values."""
    from analysis import content, players, talk
    from analysis.snapshot import Snapshot

    Snapshot(snapshot)
    players.curated_tasks()
    content.hand_labels()
    content.hand_labels(content.KEY_LABELS_FILE)
    talk.stated()


def run(snapshot: Path, why: str, force: bool = False) -> None:
    """The main job on `snapshot` (chosen for the reason `why`, said first), skipping each step whose inputs
    are unchanged (all of them run with `force`).

    Without Quarto it installs the `quarto` extra; failing that, it says so and lists what it made.
    """
    console.print(f"Analysing the snapshot {snapshot.resolve()} ({why})", markup=False)
    check_inputs(snapshot)
    root = config.SOURCE_ROOT
    out = config.output_dir()
    snapshot = snapshot.resolve()
    processed = config.processed_dir(snapshot)
    store = fingerprint.Store.load(out / fingerprint.STORE_FILE)
    if force:
        store.forget()
        shutil.rmtree(fingerprint.models_dir(), ignore_errors=True)
    data = fingerprint.study_data(snapshot)
    env = {config.SNAPSHOT_ENV: str(snapshot), config.PROCESSED_ENV: str(processed)}
    # What every analysis step reads besides its own code: the data, reference files and versions.
    inputs = fingerprint.sha256(
        data, fingerprint.files(fingerprint.reference_files()), fingerprint.environment(), *env.values()
    )

    def build_tables() -> tuple[list[Path], str]:
        from analysis import build

        quality = build.build(snapshot, processed)
        tables = [processed / name for name in build.TABLES if (processed / name).is_file()]
        return tables, f"({quality['repositories']:,} repositories as of {quality['as_of']})"

    once(
        store,
        "build",
        fingerprint.sha256(data, fingerprint.code(["analysis.build"]), fingerprint.environment()),
        f"building tidy tables from {snapshot}",
        build_tables,
    )

    facts_file = processed / config.FACTS_FILE

    def compute_facts() -> tuple[list[Path], str]:
        from analysis import facts, notebooks

        with notebooks.environment(env):
            facts.current()
        return [facts_file], f"-> {facts_file}"

    # The notebooks run while the facts are computed.
    with ThreadPoolExecutor(max_workers=1) as facts_step:
        facts = facts_step.submit(
            once,
            store,
            "facts",
            fingerprint.facts_inputs(snapshot),
            "computing the numbers the paper and slides state",
            compute_facts,
        )
        try:
            executed = execute_notebooks(store, inputs, env, out / "notebooks")
            results([facts])
        except KeyboardInterrupt:
            fingerprint.stop_models()
            raise
    stated = json.loads(facts_file.read_text())
    made = fingerprint.sha256(fingerprint.files(executed), facts_file.read_bytes())

    def draw_previews() -> tuple[list[Path], str]:
        from analysis import previews

        check_embeds(root, out / "notebooks")
        shown = previews.render(root / "slides.qmd", out / "notebooks", out / "slide-previews", stated)
        return shown, f"({len(shown)} slides -> {out / 'slide-previews'})"

    # The previews (one core) are drawn while Quarto renders (processes of its own), and waited for at the end.
    background = ThreadPoolExecutor(max_workers=1)
    previews_drawn = background.submit(
        once,
        store,
        "previews",
        fingerprint.sha256(
            made, (root / "slides.qmd").read_bytes(), fingerprint.code(["analysis.previews"]), fingerprint.environment()
        ),
        "drawing slide previews at the size the deck shows its figures",
        draw_previews,
    )
    try:
        rendered, closing = render_or_explain(store, inputs, made, executed, facts_file, env)
    finally:
        background.shutdown()
    results([previews_drawn])
    if not rendered:
        console.print(
            "\nQuarto is not installed and could not be installed"
            f" ({closing}), so the paper and slides were not rendered.",
            style="bold yellow",
            markup=False,
        )
        closing = (
            "Produced instead:\n"
            f"  tidy data:           {processed}/ (repos.parquet, quality.json)\n"
            f"  executed notebooks:  {out / 'notebooks'}/*.ipynb\n"
            f"  notebooks as HTML:   {out / 'notebooks'}/*.html (open these in a browser)\n"
            f"  slide previews:      {out / 'slide-previews'}/*.png (each slide's figure at its shown size)\n"
            + INSTALL_QUARTO
        )
    console.print(closing, markup=False)


def render_or_explain(
    store: fingerprint.Store, inputs: str, made: str, executed: list[Path], facts_file: Path, env: dict[str, str]
) -> tuple[bool, str]:
    """Render the documents with Quarto, installing it if need be: (True, where they are), or (False, why not)."""
    root, out = config.SOURCE_ROOT, config.output_dir()
    python = Path(sys.executable)
    quarto, reason = find_quarto(python), ""
    if not quarto:
        quarto, reason = install_quarto(python)
    if not quarto:
        return False, reason
    # The documents read the facts as metadata and, written in, as text (`made` covers facts.json;
    # analysis.metadata writes the metadata, analysis.documents writes the facts in).
    key = fingerprint.sha256(
        inputs,
        made,
        fingerprint.files((root / n for n in STAGED_SOURCES), root),
        fingerprint.code(["analysis.documents"]),
        quarto_version(quarto),
    )
    once(
        store,
        "render",
        key,
        "rendering paper and slides with Quarto",
        lambda: (render_with_quarto(quarto, root, executed, facts_file, env), f"-> {out}"),
    )
    return True, f"Report: {out / 'paper.html'}, {out / 'paper.pdf'}, {out / 'slides.html'}"
