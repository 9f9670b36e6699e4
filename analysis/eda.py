"""Exploratory summaries of the repository table (tables in, tables out; no I/O, no plots)."""

from __future__ import annotations

import polars as pl

from analysis import scalars, tables, text
from analysis.dates import median_created

NO_LANGUAGE = "(none)"


def language_shares(repos: pl.DataFrame, min_repos: int = 5) -> pl.DataFrame:
    """Share of repositories per primary language, for languages with at least `min_repos`.

    Shares are of all repositories, so they do not add up to one: the rest is the long
    tail of rarer languages (and `(none)` counts repositories GitHub gives no language).
    """
    total = repos.height
    counts = (
        repos.with_columns(pl.col("language").fill_null(NO_LANGUAGE)).group_by("language").agg(pl.len().alias("repos"))
    )
    kept = counts.filter(pl.col("repos") >= min_repos)
    return kept.with_columns((pl.col("repos") / total).alias("share")).sort(
        ["repos", "language"], descending=[True, False]
    )


def language_denominators(repos: pl.DataFrame, language: str) -> dict[str, int]:
    """A language's repositories, beside the two denominators its share can have: all repositories,
    and those GitHub gives a primary language (the talk's bars were shares of these)."""
    known = repos["language"].drop_nulls()
    return {"repos": int((known == language).sum()), "all": repos.height, "with_language": known.len()}


def share_text(repos: pl.DataFrame, language: str) -> str:
    """A language's share over each denominator, each named: "45% of all 1,007 (50% of the 900 with a language)"."""
    n = language_denominators(repos, language)
    of_all = f"{tables.percent(n['repos'] / n['all'])} of all {n['all']:,}" if n["all"] else "none of 0"
    if n["with_language"] == n["all"]:
        return of_all
    of_known = tables.percent(n["repos"] / n["with_language"]) if n["with_language"] else "none"
    return f"{of_all} ({of_known} of the {n['with_language']:,} with a language)"


def cumulative_repos(repos: pl.DataFrame) -> pl.DataFrame:
    """Cumulative number of repositories by creation date (one row per creation day)."""
    return (
        repos.select(pl.col("created_at").dt.date().alias("date"))
        .group_by("date")
        .agg(pl.len().alias("created"))
        .sort("date")
        .with_columns(pl.col("created").cum_sum().alias("cumulative"))
    )


def top_repos(repos: pl.DataFrame, n: int = 10) -> pl.DataFrame:
    """The `n` most-starred repositories with what a reader needs to recognise them."""
    return (
        repos.sort(["stargazers_count", "id"], descending=[True, False])
        .head(n)
        .select(
            pl.col("full_name").alias("repository"),
            pl.col("stargazers_count").alias("stars"),
            pl.col("forks_count").alias("forks"),
            pl.col("language").fill_null(NO_LANGUAGE),
            pl.col("created_at").dt.year().cast(pl.String).alias("created"),
            pl.col("description").map_elements(text.shorten, return_dtype=pl.String, skip_nulls=False),
        )
    )


def star_summary(repos: pl.DataFrame) -> dict[str, float]:
    """Median, share with fewer than 10 stars, and the top-1% share of all stars."""
    stars = repos["stargazers_count"]
    top = stars.sort(descending=True).head(max(1, repos.height // 100))
    return {
        "median": scalars.number(stars.median()),
        "share_under_10": scalars.number((stars < 10).mean()),
        "top1pct_share_of_stars": scalars.number(top.sum()) / scalars.number(stars.sum()),
    }


def describe(repos: pl.DataFrame, languages: pl.DataFrame) -> str:
    """What the exploratory figures show on this snapshot, in sentences, or why they cannot show it."""
    if repos.height == 0:
        return "The snapshot holds no repositories."
    said = []
    if languages.height >= 2:
        said.append(
            f"{languages['language'][0]} is the primary language of {tables.percent(languages['share'][0])} of"
            f" the {repos.height:,} repositories, {languages['language'][1]} of"
            f" {tables.percent(languages['share'][1])}."
        )
    said.append(f"Half of the repositories were created after {median_created(repos):%B %Y}.")
    stars = repos["stargazers_count"]
    if stars.sum() > 0:
        summary = star_summary(repos)
        said.append(
            f"The median repository has {summary['median']:,.0f} stars; {tables.percent(summary['share_under_10'])}"
            f" have fewer than ten, and the most-starred 1% hold {tables.percent(summary['top1pct_share_of_stars'])}"
            " of all stars."
        )
    return " ".join(said)
