"""The report's notebook kernels (analysis.notebooks, analysis.kernels): forked from a fork server that has
imported what the notebooks import, yet each the kernel its kernelspec would have started, and gone with the
report. Each test starts its report as a new Python, whose fork server starts with what that test preloads."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import REPO
from project_copy import copy_sources
from snapshots import synthetic_snapshot
from test_report import without_quarto

from analysis import kernels

forking = pytest.mark.skipif(not kernels.FORKS, reason="kernels are forked on Linux only")


def notebook(folder: Path, *cells: str) -> Path:
    src = folder / "nb" / "one.ipynb"
    src.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), src)
    return src


def executing(src: Path, env: dict[str, str], preload: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """A new Python (as a report is) preloading `preload` and executing `src` with `env`; it prints the first
    cell's output."""
    code = (
        "from pathlib import Path; from analysis import kernels, notebooks;"
        f" kernels.preload({list(preload)!r});"
        f" nb = notebooks.execute(Path({str(src)!r}), Path({str(src.with_name('out.ipynb'))!r}), {env!r});"
        " print(nb.cells[0].outputs[0]['text'].strip())"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def executed(src: Path, env: dict[str, str], preload: tuple[str, ...] = ()) -> tuple[str, str]:
    process = executing(src, env, preload)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-3000:]
    return out.strip(), err


def test_report_kernels_talk_over_encrypted_sockets(tmp_path):
    """The report's kernels run with CurveZMQ keys (analysis.notebooks.KERNEL_CONFIG): they compute as before, and
    none warns that code and outputs travel over TCP in plain text."""
    shown, stderr = executed(notebook(tmp_path, "print(6 * 7)"), {})
    assert shown == "42"
    assert "without encryption" not in stderr, stderr


@forking
def test_a_kernel_is_forked_yet_the_one_its_kernelspec_starts(tmp_path):
    """Forked from the fork server, which imported polars and the package: the kernel imports the package afresh
    (with the environment it was given), runs in the notebook's folder, in a session of its own, with matplotlib's
    backend the one ipykernel sets, and with a poller that ends it with its parent."""
    probe = (
        "import json, os, sys\n"
        "ours = 'analysis' in sys.modules\n"
        "from analysis import config\n"
        "from ipykernel.kernelapp import IPKernelApp\n"
        "import matplotlib\n"
        "print(json.dumps({'preloaded': 'polars' in sys.modules, 'ours': ours, 'snapshot': str(config.snapshot_dir()),"
        " 'cwd': os.getcwd(), 'session': os.getsid(0) == os.getpid(), 'backend': matplotlib.get_backend(),"
        " 'parent': os.getppid(), 'parent_cmd': open(f'/proc/{os.getppid()}/cmdline').read(),"
        " 'watched': IPKernelApp.instance().parent_handle, 'pid': os.getpid()}))"
    )
    src = notebook(tmp_path, probe)
    shown, _ = executed(
        src, {"SNAPSHOT": str(tmp_path / "some-snapshot")}, preload=("polars", "matplotlib", "analysis.config")
    )
    seen = json.loads(shown)
    assert seen["preloaded"] and not seen["ours"]
    assert seen["snapshot"] == str(tmp_path / "some-snapshot")
    assert seen["cwd"] == str(src.parent)
    assert seen["session"]
    assert seen["backend"] == kernels.INLINE_BACKEND
    assert seen["watched"] == seen["parent"]
    assert "multiprocessing.forkserver" in seen["parent_cmd"]
    assert gone(seen["pid"]), "the kernel outlived the report that ran it"


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether process `pid` has exited (or is a zombie, exited but not yet waited for) within `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def sleeps(pid_file: Path) -> str:
    """A cell that writes its kernel's pid to `pid_file`, then sleeps two minutes."""
    return f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"


def kernel_pid(pid_file: Path, report: subprocess.Popen[str]) -> int:
    """The pid the `sleeps` cell wrote, once it has (the report still running)."""
    deadline = time.monotonic() + 60
    while not pid_file.is_file() or not pid_file.read_text():
        assert report.poll() is None and time.monotonic() < deadline, report.communicate()[1][-3000:]
        time.sleep(0.1)
    return int(pid_file.read_text())


@forking
def test_a_killed_report_leaves_no_kernel_behind(tmp_path):
    """The report killed mid-notebook: its fork server exits, and the kernel it forked with it."""
    pid_file = tmp_path / "kernel.pid"
    report = executing(notebook(tmp_path, sleeps(pid_file)), {})
    kernel = kernel_pid(pid_file, report)
    assert not gone(kernel, within=0)
    report.send_signal(signal.SIGKILL)
    report.wait()
    try:
        assert gone(kernel), "the kernel outlived its report"
    finally:
        if not gone(kernel, within=0):
            os.kill(kernel, signal.SIGKILL)
        report.communicate()


def test_only_this_interpreter_running_ipykernel_is_forked():
    """A kernelspec's command stands for a fork only when it is this Python running ipykernel_launcher."""
    python = sys.executable
    launch = ["-m", "ipykernel_launcher", "-f", "c.json"]
    assert kernels.launcher_arguments([python, "-Xfrozen_modules=off", *launch]) == ["-f", "c.json"]
    assert kernels.launcher_arguments([python, *launch]) == ["-f", "c.json"]
    assert kernels.launcher_arguments([python, "-m", "other_kernel", "-f", "c.json"]) is None
    assert kernels.launcher_arguments(["/opt/elsewhere/python", *launch]) is None
    assert kernels.launcher_arguments(["julia", "-i", "kernel.jl", "c.json"]) is None


def test_the_fork_server_preloads_what_kernels_import_and_none_of_the_package():
    """Read from the source: the libraries the notebooks and the package files they import import at module level,
    never the package itself (its code is not to run in the fork server), nor what only the report imports."""
    names = set(kernels.preloads(sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))))
    assert {"polars", "plotnine", "networkx", "scipy.stats", "statsmodels.duration.hazard_regression"} <= names
    assert not any(n == "analysis" or n.startswith("analysis.") for n in names)
    assert "nbclient" not in names and "jupyter_client" not in names


def test_a_kernel_that_cannot_be_forked_starts_the_usual_way(tmp_path, monkeypatch, capfd):
    """Where the fork server cannot start (here: it cannot be reached), the kernel is started as a new Python, and
    the report says so once rather than failing; the kernels after it start the usual way without trying again."""
    from analysis import notebooks

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("no fork server")

    monkeypatch.setattr(kernels, "ForkedProcess", unreachable)
    monkeypatch.setattr(kernels, "_unforkable", [])
    src = notebook(tmp_path, "import os; print(os.getppid())")
    for _ in range(2):
        nb = notebooks.execute(src, src.with_name("out.ipynb"), {})
        assert int(nb.cells[0].outputs[0]["text"]) == os.getpid()
    said = capfd.readouterr().err
    assert said.count("Could not fork the kernel (ConnectionRefusedError: no fork server)") == 1, said


@forking
def test_an_interrupted_report_stops_its_kernels_at_once(tmp_path):
    """Ctrl-C (SIGINT to the report's process group) while a notebook runs: the kernel, in a session of its own,
    never gets it, yet the report ends within seconds, not after the notebook; it says how to resume, leaves no
    kernel behind and no error of nbclient's at exit."""
    src = copy_sources(tmp_path / "src")
    pid_file = tmp_path / "kernel.pid"
    shutil.rmtree(src / "notebooks")  # the report's one notebook: it sleeps
    notebook(src, sleeps(pid_file)).rename(src / "nb" / "01-sleeps.ipynb")
    (src / "nb").rename(src / "notebooks")
    snapshot = synthetic_snapshot(tmp_path / "raw" / "synthetic-0", 0, ("Python",))
    with subprocess.Popen(
        [sys.executable, "-m", "analysis", "report", "--snapshot", str(snapshot)],
        cwd=src,
        env={**without_quarto(src), "PYTHONPATH": str(src)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as report:
        kernel = kernel_pid(pid_file, report)
        os.killpg(report.pid, signal.SIGINT)
        try:
            _, stderr = report.communicate(timeout=20)
        finally:
            if not gone(kernel, within=0):
                os.kill(kernel, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(report.pid, signal.SIGKILL)
    assert report.returncode == 1 and "interrupted; run the same command again" in stderr, stderr[-3000:]
    assert "Exception ignored" not in stderr, stderr[-3000:]
    assert gone(kernel), "the kernel outlived the interrupted report"
