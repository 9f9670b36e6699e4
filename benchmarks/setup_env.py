"""Benchmark setting up a fresh environment: the old pip way against the lock with uv, in one run.

The baseline is what `make` did before uv.lock: `python -m venv`, upgrade pip, `pip install -e '.[test]'`.
The lock way is what `make` does now: `uv venv --seed`, then `uv sync --locked` with the test and lint
extras (more packages than the baseline installs). Both run with their download caches warm (one untimed
round first), as on a machine that has set the project up before, and alternate, so both see the same
machine state. uv itself is installed once per machine; that one-time step is timed too and reported apart.
Target: lock / pip <= 1/3.

    .venv/bin/python benchmarks/setup_env.py --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# uv comes with the lint extra, in the version the Makefile bootstraps (tests/test_environment.py).
UV = str(Path(sys.executable).parent / "uv")
PYTHON = shutil.which("python3.11") or sys.executable
EXTRAS = ("--extra", "test", "--extra", "lint")


def run(*command: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(command, check=True, cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True)


def with_pip(venv: Path) -> None:
    """The setup before uv.lock: lower bounds resolved by pip."""
    run(PYTHON, "-m", "venv", str(venv))
    run(str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "-e", ".[test]")


def with_lock(venv: Path) -> None:
    """The setup from uv.lock, as the Makefile runs it."""
    run(UV, "venv", "--quiet", "--seed", "--python", PYTHON, str(venv))
    run(UV, "sync", "--quiet", "--locked", "--inexact", *EXTRAS, env={"UV_PROJECT_ENVIRONMENT": str(venv)})


def bootstrap_uv(venv: Path) -> None:
    """The one-time step per machine: pip installs the pinned uv into a venv of its own."""
    version = subprocess.run([UV, "--version"], check=True, capture_output=True, text=True).stdout.split()[1]
    run(PYTHON, "-m", "venv", str(venv))
    run(str(venv / "bin/python"), "-m", "pip", "install", "--quiet", f"uv=={version}")


def seconds(setup: Callable[[Path], None], work: Path) -> float:
    """Wall time of one setup into a new folder beside the project's own (same file system as .venv)."""
    venv = Path(tempfile.mkdtemp(dir=work)) / "venv"
    start = time.perf_counter()
    setup(venv)
    elapsed = time.perf_counter() - start
    shutil.rmtree(venv.parent)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    work = REPO / "benchmarks" / "results"
    work.mkdir(parents=True, exist_ok=True)
    ways = {"pip": with_pip, "lock": with_lock, "uv bootstrap": bootstrap_uv}
    for setup in ways.values():  # warm the caches
        seconds(setup, work)
    runs: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(args.repeat):
        for way, setup in ways.items():
            runs[way].append(seconds(setup, work))
    pip, lock, uv = (statistics.median(runs[way]) for way in ways)
    print(f"fresh environment, median of {args.repeat}: pip (baseline) {pip:.1f} s   uv.lock {lock:.1f} s")
    print(f"ratio lock / pip: {lock / pip:.2f}  (target <= 0.33)")
    print(f"first time on a machine, with installing uv ({uv:.1f} s): {(lock + uv) / pip:.2f}")


if __name__ == "__main__":
    main()
