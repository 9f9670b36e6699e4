"""How each model's headline result moves across reasonable alternatives: one row per alternative.

The alternatives are computed by the models' own modules (seeds and k in `lda`, the eps sweep and
the model without flags in `clusters`, break quarters in `growth`, strata and hand labels in
`survival`); this module only words them side by side for the paper's robustness table.
"""

from __future__ import annotations

import polars as pl

from analysis import clusters, content, growth, lda, nulls, survival, tables

#: eps multiples the table shows (the sweep holds more; the notebook prints all of it).
SHOWN_SCALES = (0.5, 0.8, 1.0, 1.2, 1.5)


def null_row(model: str, reference: str, c: nulls.NullComparison) -> dict[str, str]:
    """A model against its null reference: both scores and the margin's interval, and whether it beats it."""
    verdict = "beats it" if c.beats else "does not beat it"
    return {"model": model, "alternative": f"null: {reference}", "result": f"{c.measure} {nulls.numbers(c)}; {verdict}"}


def topic_rows(tm: lda.TopicModel, null: nulls.NullComparison) -> list[dict[str, str]]:
    """The chosen k against word-shuffled descriptions, the next best k and the talk's 20 (when in the grid):
    coherence over seeds."""
    ranked = tm.grid.sort("coherence", descending=True)["k"].to_list()
    shown = dict.fromkeys([tm.k, *[k for k in ranked if k != tm.k][:1], 20])
    rows = []
    for k in shown:
        match = tm.grid.filter(pl.col("k") == k)
        if match.is_empty():
            continue
        r = match.row(0, named=True)
        label = f"k = {k}" + (" (chosen)" if k == tm.k else " (the talk's)" if k == 20 else "")
        rows.append(
            {
                "model": "Topics (LDA)",
                "alternative": label,
                "result": f"NPMI {tables.number(r['coherence'], '.3f')} (SD {r['coherence_sd']:.3f} over"
                f" {len(lda.SEEDS)} seeds)",
            }
        )
    return [null_row("Topics (LDA)", f"k = {tm.k}, words shuffled across descriptions", null), *rows]


def cluster_rows(
    c: clusters.Clustering, with_flags: clusters.Clustering, null: nulls.NullComparison
) -> list[dict[str, str]]:
    """k-means against its permuted reference, DBSCAN at some eps of the sweep, and with the has_* flags."""
    rows = [null_row("Clusters", "k-means, features permuted on their principal axes", null)]
    for scale in SHOWN_SCALES:
        r = c.sweep.filter((pl.col("eps") - scale * c.eps).abs() < 1e-9).row(0, named=True)
        chosen = scale == 1.0
        silhouettes = (
            f"; silhouette {clusters.silhouette_text(c.dbscan_silhouette)} without noise,"
            f" {clusters.silhouette_text(c.silhouette_with_noise)} with it"
            if chosen
            else ""
        )
        rows.append(
            {
                "model": "Clusters",
                "alternative": f"DBSCAN, eps {r['eps']:.2f}" + (" (knee)" if chosen else ""),
                "result": f"{r['clusters']} cluster{'' if r['clusters'] == 1 else 's'},"
                f" {tables.percent(r['noise_share'])} noise{silhouettes}",
            }
        )
    found = clusters.found(with_flags)
    rows.append(
        {
            "model": "Clusters",
            "alternative": f"DBSCAN with the has_* flags (eps {with_flags.eps:.2f}; not read)",
            "result": f"{found} cluster{'' if found == 1 else 's'}, {tables.percent(with_flags.noise_share)} noise",
        }
    )
    return rows


def growth_rows(trend: growth.Growth) -> list[dict[str, str]]:
    """The check out of sample, the models from the first quarter after the last empty one, and each break
    quarter within growth.BREAK_AIC of the best."""
    rows = []
    held = growth.out_of_sample(trend)
    if held is not None:
        rows.append(
            {
                "model": "Growth",
                "alternative": f"fitted up to {held.last_fitted}, the next {growth.CHECKED_QUARTERS} quarters"
                " predicted (out of sample)",
                "result": f"AIC chooses the {held.model} model; {held.within} of {growth.CHECKED_QUARTERS} within"
                f" its 95% predictive interval (in sample: {trend.recent_within})",
            }
        )
    later = growth.start_sensitivity(trend)
    if later is not None:
        others = later.candidates.filter(pl.col("delta_aic") > 0).sort("delta_aic")
        margins = ", ".join(f"{m} +{d:.1f}" for m, d in others.select("model", "delta_aic").iter_rows())
        rows.append(
            {
                "model": "Growth",
                "alternative": f"from {growth.quarter_name(later.observed['quarter'][0])}, after the last empty"
                " quarter",
                "result": f"AIC chooses the {later.chosen.model} model (ΔAIC {margins}); {growth.headline(later)}",
            }
        )
    if trend.chosen.model != "segmented":
        return rows
    return rows + [
        {
            "model": "Growth",
            "alternative": f"break at {r['break']}" + (" (chosen)" if r["delta_aic"] == 0 else ""),
            "result": f"ΔAIC {r['delta_aic']:.1f}; {growth.percent(r['before'])} a year before,"
            f" {growth.percent(r['after'])} over the last year",
        }
        for r in growth.break_sensitivity(trend).iter_rows(named=True)
    ]


def survival_rows(
    fitted: survival.CoxResult,
    strata: dict[str, survival.CoxResult],
    content: dict[str, tuple[float, float, float]],
) -> list[dict[str, str]]:
    """The Cox model as fitted and stratified by each other categorical variable in turn; the content
    effect on the hand-labelled sample from the rules' labels and from the hand labels."""

    def effects(result: survival.CoxResult) -> str:
        org, star = survival.effects(result)
        return f"HR organisation {org:.2f}, per doubling of stars {star:.2f}" if org and star else ""

    rows = [
        {
            "model": "Survival (Cox)",
            "alternative": "as fitted",
            "result": f"{effects(fitted)}; PH {tables.p_is(fitted.global_ph_p)} (Grambsch–Therneau)",
        }
    ]
    for variable, refit in strata.items():
        rows.append(
            {
                "model": "Survival (Cox)",
                "alternative": f"stratified by {survival.VARIABLES[variable].lower()}",
                "result": effects(refit),
            }
        )
    for source, (ratio, low, high) in content.items():
        rows.append(
            {
                "model": "Survival (Cox)",
                "alternative": f"content from {source} (hand-labelled sample)",
                "result": f"HR tool vs project {ratio:.2f} (95% CI {low:.2f} to {high:.2f})",
            }
        )
    return rows


def table(*parts: list[dict[str, str]]) -> pl.DataFrame:
    """The parts' rows, each model's name shown once."""
    rows = [r for part in parts for r in part]
    return pl.DataFrame(
        [{**r, "model": r["model"] if i == 0 or rows[i - 1]["model"] != r["model"] else ""} for i, r in enumerate(rows)]
    )


#: What stands in the table's place when the snapshot supports none of the models.
NONE = "No model is fitted on this snapshot, so none is tested for robustness."


def for_study(
    repos: pl.DataFrame,
    as_of: str,
    topics: tuple[lda.TopicModel, nulls.NullComparison] | None,
    clustering: tuple[clusters.Clustering, clusters.Clustering, nulls.NullComparison] | None,
    trend: growth.Growth | None,
) -> pl.DataFrame:
    """The robustness table of the models this snapshot supports (None: not modelled here): topics with their
    null reference; clusters on the descriptive features, with the flags, and their null reference; growth."""
    parts = []
    if topics is not None:
        parts.append(topic_rows(*topics))
    if clustering is not None:
        parts.append(cluster_rows(*clustering))
    if trend is not None:
        parts.append(growth_rows(trend))
    durations = survival.durations(repos, as_of)
    if survival.shortfall(durations) is None:
        data = survival.covariates(repos, content.classify_all(repos)).join(durations, on="id")
        fitted = survival.cox(data)
        sample = content.hand_labels().join(repos.select("id"), on="id", how="semi")
        parts.append(
            survival_rows(fitted, survival.every_stratification(data), survival.content_sensitivity(data, sample))
        )
    return table(*parts)
