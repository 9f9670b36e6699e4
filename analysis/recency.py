"""How recently were repositories pushed to, at the snapshot date?"""

from __future__ import annotations

import polars as pl

from analysis import scalars
from analysis.dates import years_since

RECENT_DAYS = 90
STALE_DAYS = 365


def years_since_push(repos: pl.DataFrame, as_of: str) -> pl.DataFrame:
    return repos.select("id", years_since("pushed_at", as_of).alias("years"))


def shortfall(repos: pl.DataFrame) -> str | None:
    """Why activity cannot be summarised on this snapshot, in one sentence; None if it can."""
    return None if repos.height else "No activity to summarise: the snapshot holds 0 repositories."


def summary(repos: pl.DataFrame, as_of: str) -> dict[str, float]:
    """Median years since the last push; shares pushed within 90 days and not for over a year."""
    years = years_since_push(repos, as_of)["years"]
    days = years * 365.25
    return {
        "median_years": scalars.number(years.median()),
        "share_recent": scalars.number((days <= RECENT_DAYS).mean()),
        "share_stale": scalars.number((days > STALE_DAYS).mean()),
    }
