"""What produced the results: Python and package versions, for the reproducibility appendix."""

from __future__ import annotations

import platform
from importlib import metadata

import polars as pl

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
