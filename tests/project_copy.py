"""A copy of the project's sources, so a test or benchmark can edit code, labels and notebooks freely.

Run with `PYTHONPATH=<copy>` (and the copy as working directory), the report and the notebooks'
kernels import the copy's `analysis`, which reads its sources and writes its outputs in the copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from analysis.report import STAGED_SOURCES

REPO = Path(__file__).resolve().parent.parent
#: What the report is made from: the package, the notebooks, the embedded snapshot, hand labels, the talk's values,
#: the reference files, the lock, documents.
SOURCES = (
    "analysis",
    "notebooks",
    "data/recorded",
    "data/labels",
    "data/talk",
    "data/reference",
    "pyproject.toml",
    "uv.lock",
    *STAGED_SOURCES,
)


def copy_sources(dest: Path) -> Path:
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    return dest
