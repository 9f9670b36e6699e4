"""Time relative to the snapshot date, shared by every analysis that measures age or recency."""

from __future__ import annotations

import datetime as dt

import polars as pl

from analysis import scalars

YEAR_DAYS = 365.25
#: A repository with no push for this many days has gone inactive (survival, the follow-up).
INACTIVE_DAYS = 365
YEAR_SECONDS = YEAR_DAYS * 86_400


def span(days: int) -> str:
    """A time between two dates for prose: in days under half a year (a weekly refresh), else in years."""
    return f"{days:,} day{'s' if days != 1 else ''}" if days < YEAR_DAYS / 2 else f"{days / YEAR_DAYS:.1f} years"


def as_of_datetime(as_of: str) -> dt.datetime:
    """The snapshot date (YYYY-MM-DD) as a UTC datetime at midnight."""
    return dt.datetime.fromisoformat(as_of).replace(tzinfo=dt.UTC)


def median_created(repos: pl.DataFrame) -> dt.date:
    """The median creation time: half of the repositories were created after it."""
    return scalars.day(repos["created_at"].median())


def years_since(column: str, as_of: str) -> pl.Expr:
    """Years from `column` to the snapshot date, never negative (a push on the snapshot day is 0)."""
    elapsed = pl.lit(as_of_datetime(as_of)) - pl.col(column)
    return (elapsed.dt.total_seconds() / YEAR_SECONDS).clip(lower_bound=0)
