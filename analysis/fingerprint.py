"""Content fingerprints of what each `make report` step reads, so an unchanged step is skipped.

A step (building the tables, computing the facts, executing one notebook, drawing the
previews, rendering with Quarto) is keyed by a SHA-256 over everything it reads: the
snapshot's files, the package code it imports (found statically, or all of it when that
cannot be told safely), the hand labels and reference files, the documents, and the
Python, package and Quarto versions. The key and a checksum of each output are kept in
`_output/fingerprints.json`; a step is skipped only when its key is unchanged and its
outputs are still exactly what it wrote. Content hashes, not modification times: a
checkout or a copy changes times without changing content, and the reverse happens too.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import pickle
import platform
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from filelock import FileLock

from analysis import atomic, config

PACKAGE = "analysis"
PACKAGE_DIR = config.SOURCE_ROOT / PACKAGE
STORE_FILE = "fingerprints.json"
#: Code that imports by name at run time defeats the static import graph: depend on all of the package.
DYNAMIC_IMPORT = re.compile(r"\bimport_module\s*\(|\b__import__\s*\(")
#: Notebook lines IPython runs that are not Python (magics, shell escapes).
IPYTHON_LINE = re.compile(r"^\s*[%!].*$", re.M)

P = ParamSpec("P")
R = TypeVar("R")
#: Set when the report is interrupted: a model not yet begun is not begun (`stop_models`).
_models_stopped = threading.Event()


def stop_models() -> None:
    """Begin no other model in this process: an interrupted report's facts step ends at its next model instead
    of computing every one. One already running finishes first, unless the Ctrl-C reached its model workers."""
    _models_stopped.set()


def sha256(*parts: bytes | str) -> str:
    """One digest of several parts, each length-prefixed so that ("ab", "c") differs from ("a", "bc")."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def files(paths: Iterable[Path], root: Path | None = None) -> str:
    """A digest of files' names and contents (a missing file counts as its own state)."""
    parts: list[bytes | str] = []
    for path in sorted(paths):
        parts += [str(path.relative_to(root) if root else path), path.read_bytes() if path.is_file() else b"<missing>"]
    return sha256(*parts)


def snapshot(folder: Path) -> str:
    """Every file of the snapshot, not just its manifest: a page edited in place must count too."""
    return files((p for p in folder.rglob("*") if p.is_file()), folder)


def study_data(folder: Path) -> str:
    """The snapshot's files and, when there are, its follow-up's, the compared snapshot's and that one's follow-up's."""
    follow_up, older = config.followup_dir(folder), config.compare_dir()
    older_follow_up = config.followup_dir(older) if older else None
    return sha256(
        snapshot(folder),
        snapshot(follow_up) if follow_up.is_dir() else "no follow-up",
        snapshot(older) if older else "no comparison",
        snapshot(older_follow_up) if older_follow_up and older_follow_up.is_dir() else "no earlier follow-up",
    )


def reference_files() -> list[Path]:
    """Data the package reads besides the snapshot: the hand labels, the talk's stated values, the tool list."""
    data = [config.SOURCE_ROOT / "data" / name for name in ("labels", "talk", "reference")]
    locked = [config.SOURCE_ROOT / "uv.lock"]  # its checksum is a fact, and it names the versions that run
    return sorted(p for folder in data for p in folder.rglob("*") if p.is_file()) + locked


def code_cells(notebook: Path, tag: str | None = None) -> list[str]:
    """The source of a notebook's code cells (those tagged `tag`, if given), read as plain JSON.

    nbformat would validate the notebook, and importing it takes seconds: more than a
    report with nothing to do may spend.
    """
    cells = json.loads(notebook.read_text())["cells"]
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c["cell_type"] == "code" and (tag is None or tag in c.get("metadata", {}).get("tags", []))
    ]


def parameter_cells() -> list[str]:
    """The Papermill-style `parameters` cells of the notebooks: the facts read them too."""
    return [
        source for path in sorted(config.notebooks_dir().glob("*.ipynb")) for source in code_cells(path, "parameters")
    ]


def facts_inputs(snapshot_folder: Path) -> str:
    """All the facts are made from: the snapshot's (and follow-up's) files, the code `analysis.facts` imports,
    the hand labels and reference files, the notebooks' parameters cells, and the versions."""
    return sha256(
        study_data(snapshot_folder),
        code(["analysis.facts"]),
        files(reference_files()),
        *parameter_cells(),
        environment(),
    )


@functools.cache
def environment() -> str:
    """Python and every installed distribution's version: an upgrade can change a figure."""
    # A set: a distribution found twice on sys.path (an egg-info in the working directory) counts once.
    installed = sorted({f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()})
    return sha256(platform.python_version(), *installed)


def module_path(name: str) -> Path | None:
    """The file of a module of the package (`analysis.x` -> analysis/x.py or analysis/x/__init__.py)."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = config.SOURCE_ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported(tree: ast.AST, package: str) -> set[str]:
    """Modules of the package an AST imports; `package` resolves relative imports."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names |= {f"{base}.{a.name}" for a in node.names}  # `from analysis import x`: x may be a module
    return {n for n in names if module_path(n)}


def closure(roots: Iterable[str]) -> list[Path]:
    """The package files that importing `roots` runs, following imports statically.

    Everything in the package when any file on the way imports by name at run time,
    because then what it reads cannot be told from the source.
    """
    everything = sorted(PACKAGE_DIR.rglob("*.py"))
    seen: set[Path] = set()
    todo = [n for n in roots if module_path(n)]
    while todo:
        name = todo.pop()
        path = module_path(name)
        if path is None or path in seen:
            continue
        seen.add(path)
        source = path.read_text()
        if DYNAMIC_IMPORT.search(source):
            return everything
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        parents = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        todo += parents + sorted(source_imports(source, package))
    return sorted(seen)


@functools.cache
def source_imports(source: str, package: str) -> frozenset[str]:
    """`imported` for one file's source, parsed once per process: every model cached on disk and every notebook
    key walks the package again. Keyed by the text itself, so an edited file is parsed anew."""
    return frozenset(imported(ast.parse(source), package))


def code(roots: Iterable[str]) -> str:
    """A digest of the package code that importing `roots` runs."""
    return files(closure(roots), config.SOURCE_ROOT)


def notebook_imports(sources: Iterable[str]) -> list[str] | None:
    """The package modules notebook cells import, or None when a cell is not plain Python."""
    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(IPYTHON_LINE.sub("", source))
        except SyntaxError:
            return None
        names |= imported(tree, PACKAGE)
    return sorted(names)


def notebook_code(sources: Iterable[str]) -> str:
    """A digest of the package code a notebook's cells use (all of the package if that cannot be told)."""
    modules = notebook_imports(sources)
    return files(closure(modules) if modules is not None else PACKAGE_DIR.rglob("*.py"), config.SOURCE_ROOT)


@dataclass
class Store:
    """Each step's input key and the checksums of the outputs it wrote, in one JSON file."""

    path: Path
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The facts and the notebooks run in threads at once, each recording its steps.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path) -> Store:
        try:
            return cls(path, json.loads(path.read_text()))
        except (OSError, ValueError):
            return cls(path)

    def why_stale(self, step: str, key: str) -> str | None:
        """None when `step` last ran on exactly these inputs and its outputs are untouched; else why not."""
        entry = self.steps.get(step)
        if entry is None:
            return "never ran here"
        if entry["key"] != key:
            return "its inputs changed"
        for name, digest in entry["outputs"].items():
            path = Path(name)
            if not path.is_file():
                return f"{path.name} is missing"
            if files([path]) != digest:
                return f"{path.name} was changed since"
        return None

    def fresh(self, step: str) -> list[Path]:
        """The outputs of a step confirmed current, touched so that time-based checks agree."""
        outputs = [Path(name) for name in self.steps[step]["outputs"]]
        for path in outputs:
            os.utime(path)
        return outputs

    def record(self, step: str, key: str, outputs: Iterable[Path]) -> None:
        """Remember that `step` ran on `key` and wrote `outputs`; saved at once, atomically."""
        entry = {"key": key, "outputs": {str(p): files([p]) for p in outputs}}
        with self.lock:
            self.steps[step] = entry
            atomic.write_json(self.path, self.steps)

    def forget(self) -> None:
        """Drop every record (FORCE=1): everything runs again."""
        self.steps = {}
        self.path.unlink(missing_ok=True)


def args_digest(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """A digest of a call's arguments (polars frames pickle as Arrow IPC, which is deterministic)."""
    return sha256(pickle.dumps((args, sorted(kwargs.items())), protocol=5))


def models_dir() -> Path:
    return config.project_root() / "data" / "processed" / "models"


class Cached(Protocol[P, R]):
    """A function with its results kept on disk; `__wrapped__` computes them afresh (tests compare runs)."""

    __wrapped__: Callable[P, R]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...


def cached(func: Callable[P, R]) -> Cached[P, R]:
    """Keep an expensive model's result on disk, keyed by its arguments, its code and the versions.

    The code is that of the function's module and everything it imports from the package,
    so an edit to a helper it calls (text cleaning, say) is a new key, never a stale result.
    The undecorated function stays reachable as `func.__wrapped__`. The facts step and a notebook's kernel
    ask for the same models at once: a lock file makes the second wait for the first's result, not compute
    it again.
    """
    return cached_on()(func)


def cached_on(*columns: str) -> Callable[[Callable[P, R]], Cached[P, R]]:
    """`cached`, for a model of the repositories that reads only these of their columns: it is given just
    those (a column it reads and does not name fails at once), and keyed by just those, so an edit to any
    other column (a renamed repository, say) reuses its result."""

    def decorate(func: Callable[P, R]) -> Cached[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            given: tuple[Any, ...] = (cast(Any, args[0]).select(columns), *args[1:]) if columns else args
            key = sha256(
                func.__module__, func.__qualname__, code([func.__module__]), environment(), args_digest(given, kwargs)
            )
            path = models_dir() / f"{func.__module__}.{func.__qualname__}-{key[:32]}.pickle"
            if not path.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                with FileLock(path.with_suffix(".lock")):
                    if not path.is_file():
                        if _models_stopped.is_set():
                            raise KeyboardInterrupt
                        result = cast(Callable[..., R], func)(*given, **kwargs)
                        atomic.write_bytes(path, pickle.dumps(result, protocol=5))
            return cast(R, pickle.loads(path.read_bytes()))

        return wrapper

    return decorate
