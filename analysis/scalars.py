"""Polars aggregates as plain Python values.

Polars types `Series.mean()`, `.median()`, `.min()`, `.sum()` and `.item()` as any Python literal or None, so
the analyses say here what they rely on (a number, a date) and fail with a clear message when it does not hold.
"""

from __future__ import annotations

import datetime as dt


def number(value: object) -> float:
    """`value` (an aggregate of a numeric or boolean column) as a float; None (an empty column) is an error."""
    if not isinstance(value, int | float):
        raise TypeError(f"expected a number from a numeric column, got {value!r}")
    return float(value)


def day(value: object) -> dt.date:
    """`value` (an aggregate of a date or datetime column); None (an empty column) is an error."""
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a date from a date column, got {value!r}")
    return value
