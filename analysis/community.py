"""Who uses and contributes: the talk's "size" and "contribution rate" (from enrichment)."""
from __future__ import annotations

import polars as pl

#: The talk's three nested groups, outermost first.
LAYERS = (
    ("users", "stars", "Users (stargazers)"),
    ("bug_reporters", "issue_authors", "Bug reporters (issue authors)"),
    ("code_contributors", "contributors", "Code contributors (pull-request authors)"),
)


def sizes(repos: pl.DataFrame, enrichment: pl.DataFrame | None) -> pl.DataFrame:
    """Totals over repositories per layer; `measured` is False where the snapshot lacks it.

    Stars come from the search results; issue and pull-request authors only from
    enrichment. Totals add per-repository counts, so a person active in two repositories
    counts twice: these are memberships, not distinct people.
    """
    stars = int(repos["stargazers_count"].sum())
    values = {"users": stars}
    if enrichment is not None:
        e = enrichment.filter(pl.col("status") != "unavailable")
        values["bug_reporters"] = int(e["issue_authors"].sum())
        values["code_contributors"] = int(e["contributors"].sum())
    return pl.DataFrame([
        {"layer": key, "label": label, "total": values.get(key), "measured": key in values}
        for key, _, label in LAYERS
    ], schema={"layer": pl.String, "label": pl.String, "total": pl.Int64, "measured": pl.Boolean})


def monthly_pull_requests(monthly: pl.DataFrame | None, as_of: str) -> pl.DataFrame | None:
    """Pull requests opened per month across all repositories, without the snapshot's month."""
    if monthly is None:
        return None
    last = pl.Series([as_of]).str.to_date().dt.truncate("1mo")[0]
    return (
        monthly.filter(pl.col("month") < last)
        .group_by("month").agg(pl.col("opened").sum())
        .sort("month")
    )
