"""One function per figure: results in, a plotnine ggplot in the house theme out."""
from __future__ import annotations

import polars as pl
from plotnine import (
    aes,
    coord_flip,
    geom_col,
    geom_histogram,
    geom_step,
    ggplot,
    labs,
    scale_x_date,
    scale_x_log10,
    scale_y_continuous,
)
from mizani.formatters import comma_format, percent_format

from analysis.theme import ACCENT, theme_house


def languages(shares: pl.DataFrame) -> ggplot:
    """Bar chart of `eda.language_shares`, most common language on top."""
    order = shares.sort("repos")["language"].to_list()
    data = shares.to_pandas()
    data["language"] = data["language"].astype("category").cat.set_categories(order, ordered=True)
    return (
        ggplot(data, aes("language", "share"))
        + geom_col(fill=ACCENT)
        + coord_flip()
        + scale_y_continuous(labels=percent_format())
        + labs(x="", y="Share of repositories")
        + theme_house()
    )


def cumulative_repos(cumulative: pl.DataFrame) -> ggplot:
    """Step line of `eda.cumulative_repos`."""
    return (
        ggplot(cumulative.to_pandas(), aes("date", "cumulative"))
        + geom_step(color=ACCENT, size=1)
        + scale_x_date(date_labels="%Y")
        + scale_y_continuous(labels=comma_format())
        + labs(x="Repository creation date", y="Repositories (cumulative)")
        + theme_house()
    )


def stars(repos: pl.DataFrame) -> ggplot:
    """Histogram of stars on a log scale (repositories with no stars sit at 1 star)."""
    data = repos.select(pl.col("stargazers_count").clip(lower_bound=1).alias("stars")).to_pandas()
    return (
        ggplot(data, aes("stars"))
        + geom_histogram(bins=30, fill=ACCENT, color="white")
        + scale_x_log10(labels=comma_format())
        + labs(x="Stars (log scale; 0 shown as 1)", y="Repositories")
        + theme_house()
    )
