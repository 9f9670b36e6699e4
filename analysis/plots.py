"""One function per figure: results in, a plotnine ggplot in the house theme out."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import polars as pl
from mizani.breaks import breaks_extended
from mizani.formatters import comma_format, percent_format
from mizani.labels import label_number
from plotnine import (
    aes,
    coord_flip,
    element_blank,
    element_text,
    facet_wrap,
    geom_boxplot,
    geom_col,
    geom_density,
    geom_errorbar,
    geom_histogram,
    geom_hline,
    geom_line,
    geom_point,
    geom_ribbon,
    geom_step,
    geom_text,
    geom_tile,
    geom_vline,
    ggplot,
    labs,
    scale_color_manual,
    scale_fill_gradient,
    scale_linetype_manual,
    scale_x_continuous,
    scale_x_date,
    scale_x_discrete,
    scale_x_log10,
    scale_y_continuous,
    scale_y_log10,
    theme,
)

from analysis import tables
from analysis.theme import ACCENT, BASE_SIZE, MUTED, PALETTE, theme_house

if TYPE_CHECKING:  # only its type: the model's statistics libraries take a second to import
    from analysis.growth import Growth

#: Axis numbers with a minus sign (U+2212), as the text and tables print them (mizani calls that style "hyphen").
MINUS_LABELS = label_number(style_negative="hyphen")


def with_data(minimum: int = 1) -> Callable[[Callable[..., ggplot]], Callable[..., ggplot]]:
    """For a figure of per-repository data: with fewer than `minimum` rows (a density needs two), a panel
    that says so in one sentence instead of a plotting error."""

    def decorate(draw: Callable[..., ggplot]) -> Callable[..., ggplot]:
        @functools.wraps(draw)
        def drawn(data: pl.DataFrame | pl.Series, *args: object, **kwargs: object) -> ggplot:
            if len(data) < minimum:
                return not_measured(f"Too little to draw: {len(data)} repositories, fewer than {minimum}.")
            return draw(data, *args, **kwargs)

        return drawn

    return decorate


def share_bars(shares: pl.DataFrame, category: str, order_by: str, y_label: str) -> ggplot:
    """Horizontal bars of `share` per `category`, largest on top: the shape of the share figures."""
    order = shares.sort(order_by, maintain_order=True)[category].to_list()
    data = shares.to_pandas()
    data[category] = pd.Categorical(data[category], categories=order, ordered=True)
    return (
        ggplot(data, aes(category, "share"))
        + geom_col(fill=ACCENT)
        + coord_flip()
        + scale_y_continuous(labels=percent_format())
        + labs(x="", y=y_label)
        + theme_house(height=max(2.0, 0.8 + 0.2 * len(order)))
    )


@with_data()
def languages(shares: pl.DataFrame) -> ggplot:
    """Bar chart of `eda.language_shares`, most common language on top."""
    return share_bars(shares, "language", "repos", "Share of repositories")


def over_time(data: pl.DataFrame, x: str, y: str, geom: type, x_label: str, y_label: str) -> ggplot:
    """A count against dates, labelled by year: the shared shape of the time-series figures."""
    return (
        ggplot(data.to_pandas(), aes(x, y))
        + geom(color=ACCENT, size=1)
        + scale_x_date(date_labels="%Y")
        + scale_y_continuous(labels=comma_format())
        + labs(x=x_label, y=y_label)
        + theme_house()
    )


@with_data()
def cumulative_repos(cumulative: pl.DataFrame) -> ggplot:
    """Step line of `eda.cumulative_repos`."""
    return over_time(
        cumulative, "date", "cumulative", geom_step, "Repository creation date", "Repositories (cumulative)"
    )


@with_data()
def count_histogram(counts: pl.Series, x_label: str) -> ggplot:
    """Histogram of a per-repository count on a log scale (zero sits at 1)."""
    data = pd.DataFrame({"count": counts.clip(lower_bound=1).to_numpy()})
    return (
        ggplot(data, aes("count"))
        + geom_histogram(bins=30, fill=ACCENT, color="white")
        + scale_x_log10(labels=comma_format())
        + labs(x=x_label, y="Repositories")
        + theme_house()
    )


def stars(repos: pl.DataFrame) -> ggplot:
    """Histogram of stars on a log scale (repositories with no stars sit at 1 star)."""
    return count_histogram(repos["stargazers_count"], "Stars (log scale; 0 shown as 1)")


def not_measured(message: str) -> ggplot:
    """An empty panel that says what the snapshot does not measure, instead of inventing it."""
    return (
        ggplot(pd.DataFrame({"x": [0.5], "y": [0.5], "label": [message]}), aes("x", "y", label="label"))
        + geom_text(size=BASE_SIZE, color=MUTED)
        + scale_x_continuous(limits=(0, 1))
        + scale_y_continuous(limits=(0, 1))
        + theme_house()
        + theme(axis_text=element_blank(), axis_title=element_blank(), panel_grid_major=element_blank())
    )


def lda_choice(grid: pl.DataFrame, chosen: int) -> ggplot:
    """Coherence (mean over seeds, with a bar of one standard error either side: the selection rule's
    yardstick, so the eye can see which k are tied with the best) and held-out perplexity over the grid of
    topic counts, the chosen k marked."""
    long = (
        grid.unpivot(index=["k", "coherence_se"], on=["coherence", "perplexity"], variable_name="measure")
        .with_columns(
            spread=pl.when(pl.col("measure") == "coherence").then(pl.col("coherence_se")).otherwise(0.0),
        )
        .with_columns(low=pl.col("value") - pl.col("spread"), high=pl.col("value") + pl.col("spread"))
        .to_pandas()
    )
    panels = {
        "coherence": "Mean NPMI coherence\n(higher is better)",
        "perplexity": "Held-out perplexity\n(lower is better)",
    }
    long["measure"] = pd.Categorical(long["measure"].map(panels), categories=list(panels.values()), ordered=True)
    return (
        ggplot(long, aes("k", "value"))
        + geom_line(color=ACCENT)
        + geom_errorbar(aes(ymin="low", ymax="high"), color=ACCENT, width=0.4)
        + geom_point(color=ACCENT, size=2.5)
        + geom_vline(xintercept=chosen, linetype="dashed", color=PALETTE[5])
        + facet_wrap("~measure", scales="free_y")
        + scale_y_continuous(labels=MINUS_LABELS)
        + labs(x="Number of topics", y="")
        + theme_house()
    )


def lda_topics(terms: pl.DataFrame, n: int = 8) -> ggplot:
    """Top terms of each topic, by weight, one panel per topic (its name is its top terms)."""
    topics = sorted(terms["topic"].unique().to_list())
    data = (
        terms.filter(pl.col("rank") <= n)
        .with_columns(
            (pl.col("term") + "\u200b" + pl.col("topic").cast(pl.String)).alias("key"),
        )
        .to_pandas()
    )
    data["panel"] = pd.Categorical(
        [f"Topic {t}" for t in data["topic"]], categories=[f"Topic {t}" for t in topics], ordered=True
    )
    order = data.sort_values(["topic", "weight"])["key"].tolist()
    data["key"] = pd.Categorical(data["key"], categories=order, ordered=True)
    return (
        ggplot(data, aes("key", "weight"))
        + geom_col(fill=ACCENT)
        + coord_flip()
        + facet_wrap("~panel", scales="free_y", ncol=min(4, len(topics)))
        + scale_x_discrete(labels=lambda keys: [str(k).split("\u200b")[0] for k in keys])
        # mizani's breaks return an ndarray, which plotnine takes but types as Sequence[float]
        + scale_y_continuous(breaks=breaks_extended(n=2))  # type: ignore[arg-type]
        + labs(x="", y="Weight of the term in the topic")
        + theme_house(height=0.6 + 2.4 * -(-len(topics) // 4))
    )


def clusters(points: pl.DataFrame, by: str = "dbscan") -> ggplot:
    """The PCA plane coloured by cluster; DBSCAN noise in grey."""
    data = points.with_columns(
        pl.when(pl.col(by) < 0).then(pl.lit("noise")).otherwise(pl.col(by).cast(pl.String)).alias("cluster")
    ).to_pandas()
    levels = sorted(set(data["cluster"]) - {"noise"}, key=int) + (
        ["noise"] if (data["cluster"] == "noise").any() else []
    )
    data["cluster"] = pd.Categorical(data["cluster"], categories=levels, ordered=True)
    colours = dict(zip([lv for lv in levels if lv != "noise"], PALETTE, strict=False)) | {"noise": MUTED}
    return (
        ggplot(data, aes("pc1", "pc2", color="cluster"))
        + geom_point(alpha=0.7, size=1.6)
        + scale_color_manual(values=colours)
        + labs(x="First principal component", y="Second principal component", color="Cluster")
        + theme_house()
        + theme(legend_position="right")
    )


def kdistance(curve: pl.DataFrame, eps: float, k: int) -> ggplot:
    """Sorted distances to the k-th neighbour; eps is read at the knee."""
    return (
        ggplot(curve.to_pandas(), aes("rank", "distance"))
        + geom_line(color=ACCENT, size=1)
        + geom_hline(yintercept=eps, linetype="dashed", color=PALETTE[5])
        + labs(x="Repositories, sorted", y=f"Distance to the {k}th nearest neighbour")
        + theme_house()
    )


def growth(trend: Growth) -> ggplot:
    """Repositories created per quarter, the chosen model with its 95% predictive interval (the one the check of
    the last quarters uses), and one exponential trend dashed."""
    fitted = trend.fitted.to_pandas()
    names = {trend.chosen.model: f"{trend.chosen.model} (chosen by AIC)", "exponential": "exponential"}
    fitted["model"] = pd.Categorical(fitted["model"].map(names), categories=list(dict.fromkeys(names.values())))
    chosen = fitted[fitted["model"] == names[trend.chosen.model]]
    return (
        ggplot()
        + geom_ribbon(chosen, aes("quarter", ymin="predict_low", ymax="predict_high"), fill=ACCENT, alpha=0.2)
        + geom_line(fitted, aes("quarter", "fit", color="model", linetype="model"), size=1)
        + geom_point(trend.observed.to_pandas(), aes("quarter", "created"), color=PALETTE[1], size=2)
        + scale_color_manual(values=[ACCENT, MUTED])
        + scale_linetype_manual(values=["solid", "dashed"])
        + scale_x_date(date_labels="%Y")
        + labs(x="Quarter of creation", y="Repositories created", color="", linetype="")
        + theme_house()
        + theme(legend_position="top")
    )


def growth_years(years: pl.DataFrame, chosen: str) -> ggplot:
    """Repositories created per complete year with exact 95% intervals, the most the search's unreturned
    matches could add (open bar), and what the chosen and the exponential model expect."""
    data = years.to_pandas()
    expected = years.unpivot(
        index="year", on=list(dict.fromkeys([chosen, "exponential"])), variable_name="model", value_name="expected"
    ).to_pandas()
    return (
        ggplot(data, aes("year"))
        + geom_col(aes(y="with_missing"), fill="none", color=MUTED, linetype="dashed", width=0.7)
        + geom_col(aes(y="created"), fill=ACCENT, alpha=0.6, width=0.7)
        + geom_errorbar(aes(ymin="low", ymax="high"), width=0.25)
        + geom_point(expected, aes("year", "expected", shape="model"), size=3, color=PALETTE[5])
        + scale_x_continuous(breaks=data["year"].tolist())
        + scale_y_continuous(labels=comma_format())
        + labs(x="Year of creation", y="Repositories created", shape="Expected by")
        + theme_house()
        + theme(legend_position="top")
    )


@with_data(minimum=2)
def recency(years: pl.DataFrame) -> ggplot:
    """Density of years since the last push, with the 90-day and one-year marks."""
    return (
        ggplot(years.to_pandas(), aes("years"))
        + geom_density(fill=ACCENT, alpha=0.4, color=ACCENT)
        + geom_vline(xintercept=90 / 365.25, linetype="dashed", color=PALETTE[2])
        + geom_vline(xintercept=1, linetype="dashed", color=PALETTE[5])
        + labs(x="Years since the last push (dashed: 90 days, one year)", y="Density")
        + theme_house(height=3.0)
    )


def size(sizes: pl.DataFrame, talk: pl.DataFrame) -> ggplot:
    """The talk's three community sizes as it reported them, beside what this snapshot counts for each
    (named, proxies as such): a dot plot on one log scale, each value written beside its dot.
    `talk` is `talk.stated()`."""
    reported = dict(talk.select("key", "talk").iter_rows())
    layers = sizes["label"].to_list()
    rows = []
    for i, r in enumerate(sizes.iter_rows(named=True)):
        y = len(layers) - i
        rows.append(
            {
                "y": y + 0.17,
                "source": "The talk, as reported",
                "value": reported[r["layer"]],
                "label": f"{reported[r['layer']]:,.0f}",
            }
        )
        rows.append(
            {
                "y": y - 0.17,
                "source": "This snapshot",
                "value": max(r["total"], 1),
                "label": f"{r['total']:,} {r['measure']}",
            }
        )
    data = pd.DataFrame(rows)
    data["at"] = data["value"] * 1.5
    low, high = float(data["value"].min()), float(data["value"].max())
    return (
        ggplot(data, aes("value", "y", color="source"))
        + geom_point(size=4)
        + geom_text(aes("at", label="label"), ha="left", size=0.9 * BASE_SIZE, show_legend=False)
        + scale_color_manual(values=[MUTED, ACCENT])
        + scale_x_log10(
            labels=comma_format(),
            limits=(low / 2, high * 4000),
            breaks=[10.0**k for k in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)],
        )
        + scale_y_continuous(breaks=list(range(len(layers), 0, -1)), labels=layers, limits=(0.5, len(layers) + 0.5))
        + labs(x="Total (log scale)", y="", color="")
        + theme_house(height=3.2)
        + theme(legend_position="top", panel_grid_minor=element_blank())
    )


def contribution_rate(monthly: pl.DataFrame | None, repos: pl.DataFrame) -> ggplot:
    """Pull requests opened per month across all repositories; without enrichment, the search data's
    proxy: open issues and pull requests per repository."""
    if monthly is None:
        return count_histogram(
            repos["open_issues_count"], "Open issues and pull requests per repository (a proxy; 0 shown as 1)"
        )
    return over_time(monthly, "month", "opened", geom_line, "Month", "Pull requests opened")


def content_types(shares: pl.DataFrame) -> ggplot:
    """Share of repositories per content type, estimated from the hand-labelled random sample, with 95% intervals."""
    data = shares.to_pandas()
    data["content_type"] = pd.Categorical(data["content_type"], categories=list(data["content_type"]), ordered=True)
    return (
        ggplot(data, aes("content_type", "share"))
        + geom_col(fill=ACCENT, alpha=0.6, width=0.6)
        + geom_errorbar(aes(ymin="low", ymax="high"), width=0.2)
        + scale_y_continuous(labels=percent_format())
        + labs(x="", y="Share of repositories")
        + theme_house()
    )


@with_data()
def stars_by_content(repos: pl.DataFrame, content: pl.DataFrame) -> ggplot:
    """Stars per repository by content type (log scale)."""
    data = (
        repos.join(content, on="id").select("content_type", (pl.col("stargazers_count") + 1).alias("stars")).to_pandas()
    )
    return (
        ggplot(data, aes("content_type", "stars"))
        + geom_boxplot(fill=ACCENT, alpha=0.3, outlier_alpha=0.3)
        + scale_y_log10(labels=comma_format())
        + labs(x="", y="Stars + 1 (log scale)")
        + theme_house()
    )


@with_data()
def cloud(prevalence: pl.DataFrame) -> ggplot:
    """Share of repositories naming each cloud provider or tool, most named on top."""
    return share_bars(prevalence, "provider", "share", "Share of repositories naming it in topics or description")


def dataops(matrix: pl.DataFrame) -> ggplot:
    """Heat map of topic co-occurrence (Jaccard), data-engineering topics first."""
    if matrix.is_empty() or not matrix["a_is_data"].any() or matrix["a_is_data"].all():
        return not_measured(
            "Not measurable: this snapshot lacks data-engineering or ML topics\non enough repositories to compare them"
        )
    size_of = {a: n for a, b, n in matrix.select("a", "b", "repos").iter_rows() if a == b}
    data = matrix.with_columns(
        pl.struct("a", "b", "repos")
        .map_elements(
            lambda r: r["repos"] / (size_of[r["a"]] + size_of[r["b"]] - r["repos"]) if r["a"] != r["b"] else None,
            return_dtype=pl.Float64,
        )
        .alias("jaccard")
    ).to_pandas()
    order = (
        matrix.filter(pl.col("a") == pl.col("b")).sort(["a_is_data", "repos"], descending=[True, True])["a"].to_list()
    )
    data["a"] = pd.Categorical(data["a"], categories=order, ordered=True)
    data["b"] = pd.Categorical(data["b"], categories=order[::-1], ordered=True)
    n_data = int(matrix.filter(pl.col("a") == pl.col("b"))["a_is_data"].sum())
    split = pd.DataFrame({"at": [n_data + 0.5], "rev": [len(order) - n_data + 0.5]})
    # Columns repeat the rows' topics in the same order, so only the rows are named: the
    # labels can then be large enough to read on a slide.
    return (
        ggplot(data, aes("a", "b", fill="jaccard"))
        + geom_tile(color="white")
        + geom_vline(split, aes(xintercept="at"), color="#333333", size=0.6)
        + geom_hline(split, aes(yintercept="rev"), color="#333333", size=0.6)
        + scale_fill_gradient(low="#F0F4F8", high=ACCENT, na_value="#FFFFFF")
        + labs(x="The same topics, in the same order", y="", fill="Jaccard")
        + theme_house(height=0.6 + 0.19 * len(order))
        + theme(
            axis_text_x=element_blank(),
            axis_text_y=element_text(size=BASE_SIZE),
            legend_text=element_text(size=BASE_SIZE),
            legend_position="right",
            panel_grid_major=element_blank(),
        )
    )


def survival(curves: pl.DataFrame) -> ggplot:
    """Kaplan-Meier curves of staying active, one panel per grouping, each curve named at its end.

    Each group has its own colour across both panels, and its name stands beside its curve,
    so no legend has to be matched by colour across panels.
    """
    data = curves.with_columns(pl.col("group").replace(tables.GROUPS)).to_pandas()
    panels = {"content_type": "By content type", "owner_type": "By owner type"}
    data["by"] = pd.Categorical(data["by"].map(panels), categories=list(panels.values()), ordered=True)
    groups = list(dict.fromkeys(data["group"]))
    ends = data.sort_values("years").groupby("group", observed=True).tail(1)
    years = range(int(data["years"].max()) + 1)
    return (
        ggplot(data, aes("years", "survival", color="group"))
        + geom_step(size=1)
        + geom_text(ends, aes(label="group"), ha="left", nudge_x=0.1, size=0.9 * BASE_SIZE)
        + facet_wrap("~by")
        + scale_color_manual(values=dict(zip(groups, PALETTE, strict=False)))
        + scale_x_continuous(breaks=list(years), expand=(0.02, 0, 0.55, 0))
        + scale_y_continuous(labels=percent_format(), limits=(0, 1))
        + labs(x="Years since creation", y="Share still active")
        + theme_house()
        + theme(legend_position="none")
    )
