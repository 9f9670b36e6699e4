"""The talk's stated values beside this study's measurements, and why they differ.

The talk's values are data (data/talk/stated.csv, each with where in the talk it is), so no
number of the talk is typed into prose or code.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

from analysis import inputs, tables
from analysis.config import SOURCE_ROOT

STATED_FILE = SOURCE_ROOT / "data" / "talk" / "stated.csv"
COLUMNS = ("key", "quantity", "kind", "talk", "source", "why")


def stated(path: Path = STATED_FILE) -> pl.DataFrame:
    """key, quantity, kind (count or share), talk (the value), source, why."""
    data = inputs.read_bytes(path, "the talk's stated values")
    try:
        return pl.read_csv(io.BytesIO(data), schema_overrides={"talk": pl.Float64}).select(COLUMNS)
    except (pl.exceptions.PolarsError, ValueError) as e:
        raise inputs.InputFileError(f"{path}: the talk's stated values cannot be read ({e})") from None


def formatted(kind: str, value: float) -> str:
    return tables.percent(value) if kind == "share" else f"{value:,.0f}"


def talk_facts(values: pl.DataFrame) -> dict[str, str]:
    """The talk's values formatted for prose, as `talk_<key>`."""
    return {f"talk_{r['key']}": formatted(r["kind"], r["talk"]) for r in values.iter_rows(named=True)}


#: The study's value of a quantity whose analysis this snapshot cannot support.
UNSUPPORTED = "not computed (too few repositories)"


def reconcile(values: pl.DataFrame, facts: dict[str, Any]) -> pl.DataFrame:
    """Per quantity: what the talk stated, what this study measures (the fact `study_<key>`), and why they differ.

    A quantity whose analysis this snapshot cannot support has an empty fact, and says so."""
    return values.select(
        "quantity",
        pl.struct("kind", "talk")
        .map_elements(lambda r: formatted(r["kind"], r["talk"]), return_dtype=pl.String)
        .alias("talk"),
        pl.col("key").map_elements(lambda k: facts[f"study_{k}"] or UNSUPPORTED, return_dtype=pl.String).alias("study"),
        "why",
    )
