"""The numbers the paper and slides state in prose, computed once per snapshot.

Both documents read the same facts, so a number means the same thing on a slide and in
the paper; they are cached in the processed folder (facts.json), keyed on the snapshot's
manifest checksum, because computing them runs the models (about half a minute).
Values are formatted strings, ready for Quarto inline expressions.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl

from analysis import (
    adoption, atomic, build, clusters, community, config, content, coverage, eda, growth, lda, parameters,
    players, recency, survival,
)

FACTS_FILE = "facts.json"
LOCK_FILE = config.SOURCE_ROOT / "uv.lock"


def pct(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None or x != x else f"{100 * x:.{digits}f}%"


def num(x: float | None, spec: str = ".2f") -> str:
    """A number for prose; "n/a" where the data cannot give one (NaN, or nothing to compute on)."""
    return "n/a" if x is None or x != x else format(x, spec)


def compute(study: build.Study) -> dict[str, Any]:
    """Every number the documents state, formatted."""
    repos, as_of = study.repos, study.as_of
    cover = coverage.overall(study.quality)
    mlops = max(study.quality["queries"], key=lambda q: q["total_count"] or 0)
    params = parameters.of_notebooks()
    langs = eda.language_shares(repos, min_repos=params["min_repos"])
    stars = eda.star_summary(repos)
    topics = lda.choose(repos, params["lda_grid"], params["domain_stop_words"])
    groups = clusters.cluster(repos, as_of)
    trend = growth.fit(repos, as_of)
    recent = recency.summary(repos, as_of)
    types = content.classify_all(repos)
    labels = content.hand_labels()
    type_shares = {r["content_type"]: r for r in content.shares(repos, labels).iter_rows(named=True)}
    scores = content.evaluate(repos, labels).scores
    held_learning = scores.filter((pl.col("split") == "held-out") & (pl.col("class") == "learning")).row(0, named=True)
    # The hand labels are of the recorded snapshot's repositories; another snapshot may share none.
    cloud = {r["provider"]: r for r in adoption.cloud_prevalence(repos).iter_rows(named=True)}
    top_cloud = max((r for k, r in cloud.items() if k != "Any of these"), key=lambda r: r["share"])
    _, separation = adoption.communities(repos, min_repos=params["min_topic_repos"])
    durations = survival.durations(repos, as_of)
    with_types = durations.join(types, on="id").join(repos.select("id", "owner_type"), on="id")
    medians = {r["group"]: r for r in survival.median_survival(with_types, "owner_type").iter_rows(named=True)}
    cox = survival.cox(survival.covariates(repos, types).join(durations, on="id"))
    hr = {r["term"]: r for r in cox.table.iter_rows(named=True)}
    owners = players.key_owners(repos, n=1).row(0, named=True)
    top_repo = eda.top_repos(repos, n=1).row(0, named=True)
    sizes = community.sizes(repos, study.enrichment)
    org, star = hr.get("owner_type: Organization", {}), hr.get("log_stars", {})
    return {
        "as_of": as_of,
        "snapshot": study.quality["snapshot"],
        "manifest_sha256": study.quality["manifest_sha256"],
        "lock_sha256": lock_sha256(),
        "n_repos": f"{cover['repositories']:,}",
        "queries": " and ".join(q["query"] for q in study.quality["queries"]),
        "mlops_query": mlops["query"],
        "mlops_total": f"{mlops['total_count']:,}",
        "mlops_items": f"{mlops['items']:,}",
        "mlops_unique": f"{mlops['unique']:,}",
        "mlops_coverage": pct(mlops["unique"] / mlops["total_count"], 1),
        "duplicates": f"{cover['duplicates']:,}",
        "missing": f"{cover['missing']:,}",
        "stale_topics": f"{sum(q['topic_no_longer_listed'] or 0 for q in study.quality['queries']):,}",
        "enriched": bool(study.quality.get("enriched")),
        "min_repos": str(params["min_repos"]),
        "min_topic_repos": str(params["min_topic_repos"]),
        "top_language": langs["language"][0],
        "top_language_share": pct(langs["share"][0]),
        "second_language": langs["language"][1],
        "second_language_share": pct(langs["share"][1]),
        "median_stars": f"{stars['median']:,.0f}",
        "share_under_10_stars": pct(stars["share_under_10"]),
        "top1pct_star_share": pct(stars["top1pct_share_of_stars"]),
        "top_repo": top_repo["repository"],
        "top_repo_stars": f"{top_repo['stars']:,}",
        "top_owner": owners["owner_login"],
        "top_owner_star_share": pct(owners["share_of_stars"], 1),
        "lda_k": str(topics.k),
        "lda_grid": ", ".join(str(k) for k in topics.grid["k"].to_list()),
        "dbscan_clusters": str(groups.points.filter(pl.col("dbscan") >= 0)["dbscan"].n_unique()),
        "dbscan_eps": f"{groups.eps:.2f}",
        "dbscan_min_samples": str(groups.min_samples),
        "pca_components": str(groups.components),
        "pca_variance": pct(sum(groups.explained)),
        "noise_share": pct(groups.noise_share, 1),
        "dbscan_silhouette": num(groups.dbscan_silhouette),
        "kmeans_k": str(groups.kmeans_k),
        "kmeans_silhouette": f"{groups.kmeans_silhouette:.2f}",
        "growth_family": trend.family,
        "growth_dispersion": f"{trend.dispersion:.1f}",
        "growth_yearly": pct(trend.yearly_growth),
        "growth_low": pct(trend.yearly_growth_ci[0]),
        "growth_high": pct(trend.yearly_growth_ci[1]),
        "doubling_years": f"{trend.doubling_years:.2f}",
        "doubling_low": f"{trend.doubling_years_ci[0]:.2f}",
        "doubling_high": f"{trend.doubling_years_ci[1]:.2f}",
        "median_years_since_push": f"{recent['median_years']:.2f}",
        "median_months_since_push": f"{12 * recent['median_years']:.0f}",
        "share_pushed_90d": pct(recent["share_recent"]),
        "share_stale": pct(recent["share_stale"]),
        "learning_share": pct(type_shares["learning"]["share"]),
        "tool_share": pct(type_shares["tool"]["share"]),
        "project_share": pct(type_shares["project"]["share"]),
        "learning_sample_share": pct(type_shares["learning"]["sample_share"]),
        "learning_sample_low": pct(type_shares["learning"]["sample_low"]),
        "learning_sample_high": pct(type_shares["learning"]["sample_high"]),
        "labelled": str(labels.height),
        "learning_precision": num(held_learning["precision"]),
        "learning_recall": num(held_learning["recall"]),
        "cloud_any": pct(cloud["Any of these"]["share"]),
        "cloud_top": top_cloud["provider"],
        "cloud_top_share": pct(top_cloud["share"]),
        "aws_share": pct(cloud["AWS"]["share"]),
        "azure_share": pct(cloud["Azure"]["share"]),
        "gcp_share": pct(cloud["Google Cloud"]["share"]),
        "modularity": num(separation["modularity"]),
        "data_repos": f"{separation['data_repos']:,}",
        "data_with_ml": pct(separation["data_with_ml_share"]),
        "inactive_share": pct(float(durations["inactive"].mean())),
        "user_median_years": num(medians.get("User", {}).get("median_years"), ".1f"),
        "org_inactive": pct(medians.get("Organization", {}).get("inactive_share")),
        "user_inactive": pct(medians.get("User", {}).get("inactive_share")),
        "hr_org": num(org.get("hazard_ratio")),
        "hr_org_low": num(org.get("low")),
        "hr_org_high": num(org.get("high")),
        "hr_star": num(star.get("hazard_ratio")),
        "hr_star_low": num(star.get("low")),
        "hr_star_high": num(star.get("high")),
        "cox_events": f"{cox.events:,}",
        "cox_global_ph_p": f"{cox.global_ph_p:.2g}",
        "users_total": f"{sizes['total'][0]:,}",
        "community_sentence": community_sentence(sizes),
        "median_created": repos["created_at"].median().strftime("%B %Y"),
    }


def community_sentence(sizes: pl.DataFrame) -> str:
    """What enrichment measured of the community, or, for a snapshot without it, that it was not collected."""
    if not (sizes["measured"][1] and sizes["measured"][2]):
        return ("This snapshot was recorded without enrichment, so bug reporters, code contributors and pull"
                " requests per month are left to snapshots collected with a token.")
    return (f"Across repositories there are {sizes['total'][1]:,} bug reporters (issue authors) and"
            f" {sizes['total'][2]:,} code contributors (pull-request authors), counted once per repository.")


def lock_sha256() -> str:
    """The checksum of uv.lock, which pins every package that ran: with the manifest's, it names a run."""
    return hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()


def code_sha256() -> str:
    """A checksum of the analysis code, the hand labels, the lock and the notebooks' parameters: a change
    recomputes the facts."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")) + [content.LABELS_FILE, LOCK_FILE]:
        digest.update(path.read_bytes())
    digest.update(json.dumps(parameters.of_notebooks(), sort_keys=True, default=sorted).encode())
    return digest.hexdigest()


def current() -> dict[str, Any]:
    """The facts of the configured snapshot, computed on first use and cached beside its tables."""
    study = build.current()
    path: Path = config.processed_dir() / FACTS_FILE
    code = code_sha256()
    if path.is_file():
        cached = json.loads(path.read_text())
        if cached.get("manifest_sha256") == study.quality["manifest_sha256"] and cached.get("code_sha256") == code:
            return cached
    facts = {**compute(study), "code_sha256": code}
    atomic.write_json(path, facts)
    return facts
