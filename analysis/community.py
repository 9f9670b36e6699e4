"""Who uses and contributes: the talk's "size" and "contribution rate" (from enrichment, else named proxies)."""

from __future__ import annotations

import polars as pl

#: The talk's three nested groups, outermost first: key and label.
LAYERS = (
    ("users", "Users"),
    ("bug_reporters", "Bug reporters"),
    ("code_contributors", "Code contributors"),
)


def sizes(repos: pl.DataFrame, enrichment: pl.DataFrame | None) -> pl.DataFrame:
    """Per layer: the total this snapshot measures, what it counts, and whether that is a proxy.

    Totals add per-repository counts, so a person active in two repositories counts twice:
    these are memberships, not distinct people. Stars come from the search results. Issue and
    pull-request authors come only from enrichment; without it, the search data's open issues
    and pull requests (open_issues_count) and forks stand in, named as proxies.
    """
    rows = [("users", int(repos["stargazers_count"].sum()), "stars, summed over repositories", False)]
    if enrichment is not None:
        e = enrichment.filter(pl.col("status") != "unavailable")
        rows += [
            ("bug_reporters", int(e["issue_authors"].sum()), "issue authors, summed over repositories", False),
            (
                "code_contributors",
                int(e["contributors"].sum()),
                "pull-request authors, summed over repositories",
                False,
            ),
        ]
    else:
        rows += [
            ("bug_reporters", int(repos["open_issues_count"].sum()), "open issues and pull requests (a proxy)", True),
            ("code_contributors", int(repos["forks_count"].sum()), "forks (a proxy)", True),
        ]
    labels = dict(LAYERS)
    return pl.DataFrame(
        [
            {"layer": k, "label": labels[k], "total": total, "measure": measure, "proxy": proxy}
            for k, total, measure, proxy in rows
        ]
    )


def monthly_pull_requests(monthly: pl.DataFrame | None, as_of: str) -> pl.DataFrame | None:
    """Pull requests opened per month across all repositories, without the snapshot's month."""
    if monthly is None:
        return None
    last = pl.Series([as_of]).str.to_date().dt.truncate("1mo")[0]
    return monthly.filter(pl.col("month") < last).group_by("month").agg(pl.col("opened").sum()).sort("month")
