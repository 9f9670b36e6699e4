"""The report's notebook kernels, forked from a process that has already imported what the notebooks import.

A kernel started the usual way is a new Python that imports ipykernel, polars, plotnine, SciPy and
statsmodels before its first cell computes anything: 1 to 3.5 CPU-seconds a kernel, more than a report
on a small snapshot spends on its analyses. `make report` starts its kernels from Python's fork server
(`multiprocessing`, start method "forkserver"), which imports those once for the report's kernels: the
libraries the notebooks import, read from their source, and none of the project's own code.

Each kernel is otherwise the one its kernelspec names: the same interpreter running `ipykernel_launcher`
with the environment and working folder jupyter_client gives it, in a session of its own, exiting with
its parent (the fork server, which exits with the report). What the forked process imported of the
project's package to start the kernel is dropped, so the kernel's cells import it afresh. Where the
kernelspec runs another interpreter or command, and on systems other than Linux (macOS frameworks that
NumPy may use are not safe to fork; Windows cannot fork), kernels start the usual way; so do they, from
then on, once a fork has failed (the report says why, once).

As with any `multiprocessing` start method but fork, a program run as a script that starts kernels must
guard its main code with `if __name__ == "__main__":` (the fork server's children import it again).
"""

from __future__ import annotations

import ast
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import uuid
from collections.abc import Iterable, Mapping
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from analysis import fingerprint

FORKS = sys.platform == "linux"
#: What every kernel imports before running a cell.
KERNEL_MODULES = ("ipykernel.kernelapp",)
#: The backend ipykernel has matplotlib use, through MPLBACKEND, which matplotlib reads when imported.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_forkserver = multiprocessing.get_context("forkserver") if FORKS else None
#: Why forking failed, once it has: the kernels after it start the usual way, without trying again.
_unforkable: list[str] = []
#: The process groups of the kernels running now (each kernel leads its own), for `stop_all`.
_running: set[int] = set()
#: Set by `stop_all`: a kernel that starts after it is killed as it starts.
_stopped = threading.Event()


def preloads(notebooks: Iterable[Path]) -> list[str]:
    """What the notebooks' kernels import before they compute, outside the project's package: the modules their
    cells, and the package files those import, import at module level (and `module.name` for each
    `from module import name`, in case it is a module). Read from the source, not by importing the package:
    the fork server must run none of its code, because a polars query run there would leave each forked
    kernel a thread pool whose threads it does not have, and the kernel would hang on its first query."""
    cells = [fingerprint.IPYTHON_LINE.sub("", c) for notebook in notebooks for c in fingerprint.code_cells(notebook)]
    own = fingerprint.notebook_imports(cells)
    files = fingerprint.closure(own) if own is not None else sorted(fingerprint.PACKAGE_DIR.rglob("*.py"))
    names: set[str] = set()
    for source in [*cells, *(f.read_text() for f in files)]:
        names |= module_level_imports(source)
    return sorted(n for n in names if n.split(".")[0] not in (fingerprint.PACKAGE, "__future__"))


def module_level_imports(source: str) -> set[str]:
    """The modules a source imports at module level (not in functions, nor under `if TYPE_CHECKING:`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return names


def preload(modules: Iterable[str]) -> None:
    """Have the fork server import `modules` (and ipykernel) when it starts, before the first kernel; a name
    that is not a module is passed over."""
    if _forkserver is not None:
        _forkserver.set_forkserver_preload([*KERNEL_MODULES, *sorted(set(modules))])


preload(())  # not Python's default, which imports the main module of the program that starts the server


def _run_kernel(argv: list[str], env: Mapping[str, str], cwd: str) -> None:
    """In the forked process: become the kernel `python -m ipykernel_launcher <argv>` would have started."""
    os.setsid()
    # The fork server runs while any process holds this pipe's writing end; the report holds one, and each
    # forked process gets a copy. The kernel closes its copy, so that the server exits with the report alone
    # (and the kernel, watching its parent, then too).
    server: Any = forkserver._forkserver
    if server._forkserver_alive_fd is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for name in [n for n in sys.modules if n == fingerprint.PACKAGE or n.startswith(f"{fingerprint.PACKAGE}.")]:
        del sys.modules[name]
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None:  # imported by the fork server, before ipykernel sets MPLBACKEND
        matplotlib.rcParams["backend"] = env.get("MPLBACKEND") or INLINE_BACKEND
    # ipykernel read JPY_PARENT_PID, the parent to exit with, when the fork server imported it: say it again.
    sys.argv = ["ipykernel_launcher", *argv, f"--IPKernelApp.parent_handle={os.getppid()}"]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


class ForkedProcess:
    """A forked kernel, seen through the part of `subprocess.Popen` jupyter_client uses."""

    stdin = stdout = stderr = None

    def __init__(self, argv: list[str], env: Mapping[str, str], cwd: str) -> None:
        assert _forkserver is not None
        self.process = _forkserver.Process(target=_run_kernel, args=(argv, dict(env), cwd))
        self.process.start()
        assert self.process.pid is not None
        self.pid: int = self.process.pid

    def poll(self) -> int | None:
        return None if self.process.is_alive() else self.process.exitcode

    def wait(self, timeout: float | None = None) -> int | None:
        self.process.join(timeout)
        return self.process.exitcode

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.process.terminate()

    def kill(self) -> None:
        self.process.kill()


def launcher_arguments(cmd: list[str]) -> list[str] | None:
    """The arguments of `ipykernel_launcher` if the kernel command runs it in this interpreter (what a fork
    can stand for), else None. `-X` options before `-m` are dropped: ipykernel's kernelspec passes
    `-Xfrozen_modules=off`, which matters only to debuggers."""
    python, *rest = cmd
    while rest and rest[0].startswith("-X"):
        rest = rest[1:]
    if rest[:2] != ["-m", "ipykernel_launcher"] or Path(python).resolve() != Path(sys.executable).resolve():
        return None
    return rest[2:]


class ForkedProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, forking the kernel where it can."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        info = await self.fork_or_launch(cmd, **kwargs)
        if self.pgid is not None:
            _running.add(self.pgid)
        if _stopped.is_set():  # stopped while this one started
            stop_all()
        return info

    async def fork_or_launch(self, cmd: list[str], **kwargs: Any) -> Any:
        argv = launcher_arguments(cmd) if FORKS and not _unforkable else None
        if argv is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.cwd = str(kwargs.get("cwd") or Path.cwd())
        try:
            forked = ForkedProcess(argv, kwargs.get("env") or os.environ, self.cwd)
        except (OSError, EOFError) as e:  # no fork server here (it could not start, or died): no fork, from now on
            if _stopped.is_set():  # the Ctrl-C that stopped the kernels also ended the fork server
                raise
            _unforkable.append(f"{type(e).__name__}: {e}")
            print(f"Could not fork the kernel ({_unforkable[0]}); starting kernels the usual way", file=sys.stderr)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = forked  # type: ignore[assignment]  # what the provisioner uses of a Popen
        self.pid = self.pgid = forked.pid  # its own session: signals go to its process group
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        _running.discard(self.pgid)
        await super().cleanup(restart)


def stop_all() -> None:
    """Kill every running kernel, with what it started (model workers), and any that starts later: an interrupted
    report then stops at once. A kernel runs in a session of its own, so the Ctrl-C a terminal sends the report's
    process group misses it, and its notebook would run to its end (half a minute on the recorded snapshot) first."""
    _stopped.set()
    for group in list(_running):  # the group, and its leader: a kernel just forked has yet to make its session
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError):
                kill(group, signal.SIGKILL)


class ForkedKernelManager(AsyncKernelManager):
    """The kernel manager nbclient uses, with `ForkedProvisioner` as its provisioner."""

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkedProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
