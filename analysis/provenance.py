"""What produced the results: Python and package versions, and the code's commit, for the reproducibility pages."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata

import polars as pl

from analysis import config

PACKAGES = (
    "httpx",
    "polars",
    "pyarrow",
    "plotnine",
    "statsmodels",
    "scikit-learn",
    "networkx",
    "nbclient",
    "nbconvert",
    "tenacity",
    "msgspec",
)


def versions() -> pl.DataFrame:
    rows = [{"software": "Python", "version": platform.python_version()}]
    for name in PACKAGES:
        try:
            rows.append({"software": name, "version": metadata.version(name)})
        except metadata.PackageNotFoundError:
            rows.append({"software": name, "version": "not installed"})
    return pl.DataFrame(rows)


def code_commit() -> str:
    """The checkout's git commit, marked `+ uncommitted changes` when the tree differs from it ("unknown" outside git).

    A CI checkout without `.git` metadata still names its commit through `$GITHUB_SHA`.
    """

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=config.SOURCE_ROOT, capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return os.environ.get("GITHUB_SHA") or "unknown (not a git checkout)"
    return commit + (" + uncommitted changes" if dirty else "")
