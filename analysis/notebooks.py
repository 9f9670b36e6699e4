"""Execute notebooks headless (nbclient) and read back their labelled outputs."""

from __future__ import annotations

import atexit
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

from analysis import atomic, captions, kernels, parameters

#: The project's Jupyter kernel, registered by make (ipykernel install --name).
KERNEL = "mlops-ecosystem"
#: CurveZMQ encryption of the sockets between the report and its kernels: the kernelspec ipykernel installs
#: declares it supports it, and without it every kernel warns that code and outputs travel in plain text.
KERNEL_CONFIG = Config({"KernelManager": {"transport_encryption": "auto"}})
LABEL = re.compile(r"^#\|\s*label:\s*(\S+)\s*$", re.MULTILINE)
FIGURE_MIME = ("image/png", "image/svg+xml")
TABLE_MIME = ("text/markdown", "text/html")


@contextmanager
def environment(overrides: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the kernels started inside the block."""
    saved = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class NotebookError(RuntimeError):
    """A notebook cell failed; the message names the notebook, the cell and the error in one line."""


def execute(src: Path, dest: Path, env: Mapping[str, str], timeout: int = 600) -> nbformat.NotebookNode:
    """Run `src` top to bottom (working directory: its folder) and write the result to `dest`.

    Captions get the values of the notebook's parameters first, so that they say what ran.
    """
    nb = nbformat.read(src, as_version=4)
    parameters.fill_captions(nb, parameters.of_notebook(nb, src.name))
    # The kernel gets its environment directly, not through os.environ: notebooks run in threads at once.
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(src.parent)}},
        config=KERNEL_CONFIG,
        kernel_manager_class=kernels.ForkedKernelManager,
    )
    try:
        client.execute(env={**os.environ, **env, captions.OFF_ENV: "1"})
    except CellExecutionError as e:
        raise NotebookError(f"{src.name}, cell {failed_cell(nb)}: {e.ename}: {e.evalue}") from None
    finally:  # nbclient leaves its exit-time cleanup registered when a kernel fails to start, and it then fails
        atexit.unregister(client._cleanup_kernel)
    atomic.write_bytes(dest, nbformat.writes(nb).encode())
    return nb


def failed_cell(nb: nbformat.NotebookNode) -> str:
    """The label (or the number) of the first code cell whose output is an error."""
    for number, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            label = LABEL.search(cell.source)
            return label.group(1) if label else f"#{number}"
    return "?"


def labelled_cells(nb: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Map each code cell's label (`#| label: x`) to the cell."""
    return {
        match.group(1): cell for cell in nb.cells if cell.cell_type == "code" and (match := LABEL.search(cell.source))
    }


def labelled_outputs(nb: nbformat.NotebookNode) -> dict[str, set[str]]:
    """Map each cell label to the MIME types its outputs hold."""
    return {
        label: {m for o in cell.get("outputs", []) for m in o.get("data", {})}
        for label, cell in labelled_cells(nb).items()
    }


def holds_expected_output(label: str, mimes: set[str]) -> bool:
    """A `fig-` label must hold an image; a `tbl-` label a markdown or HTML table."""
    if label.startswith("fig-"):
        return any(m in mimes for m in FIGURE_MIME)
    if label.startswith("tbl-"):
        return any(m in mimes for m in TABLE_MIME)
    return True
