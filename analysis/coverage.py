"""What the snapshot holds against what the search reported (from quality.json)."""

from __future__ import annotations

from typing import Any

import polars as pl


def coverage_table(quality: dict[str, Any]) -> pl.DataFrame:
    """One row per query: reported matches, results received, unique, duplicates, never seen."""
    return pl.DataFrame(
        [
            {
                "query": q["query"],
                "total_count": q["total_count"],
                "items": q["items"],
                "unique": q["unique"],
                "duplicates": q["duplicates"],
                "missing": q["missing"],
                "coverage": None if not q["total_count"] else q["unique"] / q["total_count"],
                "topic_no_longer_listed": q["topic_no_longer_listed"],
            }
            for q in quality["queries"]
        ]
    )


def overall(quality: dict[str, Any]) -> dict[str, Any]:
    """Headline numbers for prose: repositories, snapshot date, largest query's coverage."""
    largest = max(quality["queries"], key=lambda q: q["total_count"] or 0)
    return {
        "as_of": quality["as_of"],
        "repositories": quality["repositories"],
        "largest_query": largest["query"],
        "largest_total": largest["total_count"],
        "largest_unique": largest["unique"],
        "duplicates": sum(q["duplicates"] for q in quality["queries"]),
        "missing": sum(q["missing"] or 0 for q in quality["queries"]),
    }
