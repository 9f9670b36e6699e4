"""The numbers the paper and slides state in prose, computed once per snapshot.

Both documents read the same facts, so a number means the same thing on a slide and in
the paper; they are cached in the processed folder (facts.json), keyed on all they are
made from (`fingerprint.facts_inputs`), because computing them runs the models.
Values are formatted strings, ready for Quarto inline expressions.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl
from filelock import FileLock

from analysis import (
    adoption,
    atomic,
    build,
    cluster_null,
    clusters,
    community,
    compare,
    config,
    content,
    coverage,
    eda,
    fingerprint,
    growth,
    lda,
    parameters,
    players,
    recency,
    scalars,
    survival,
    tables,
    tags,
    talk,
    then_now,
    topic_null,
)
from analysis.dates import median_created

FACTS_FILE = config.FACTS_FILE
LOCK_FILE = config.SOURCE_ROOT / "uv.lock"


pct = tables.prose_percent


def num(x: float | None, spec: str = ".2f") -> str:
    """A number for prose; "n/a" where the data cannot give one (NaN, or nothing to compute on)."""
    return tables.number(x, spec) or "n/a"


def compute(study: build.Study) -> dict[str, Any]:
    """Every number the documents state, formatted."""
    repos, as_of = study.repos, study.as_of
    cover = coverage.overall(study.quality)
    mlops = max(study.quality["queries"], key=lambda q: q["total_count"] or 0)
    types = content.classify_all(repos)
    labels = content.hand_labels()
    # The hand labels are of the recorded snapshot's repositories; another snapshot may share none.
    sizes = community.sizes(repos, study.enrichment)
    stated = talk.stated()
    params = parameters.of_notebooks()
    older = build.compared()
    said = {
        "as_of": as_of,
        "snapshot": study.quality["snapshot"],
        "manifest_sha256": study.quality["manifest_sha256"],
        "lock_sha256": lock_sha256(),
        "unfinished": study.quality.get("unfinished") or "",  # set only when an unfinished snapshot was accepted
        "min_repos": str(params["min_repos"]),
        "min_topic_repos": str(params["min_topic_repos"]),
        "tag_seeds": str(len(tags.SEEDS)),
        "tag_rewirings": str(tags.REWIRINGS),
        "n_repos": f"{cover['repositories']:,}",
        "queries": " and ".join(q["query"] for q in study.quality["queries"]),
        "mlops_query": mlops["query"],
        "mlops_total": f"{mlops['total_count']:,}",
        "mlops_items": f"{mlops['items']:,}",
        "mlops_unique": f"{mlops['unique']:,}",
        "mlops_coverage": pct(mlops["unique"] / mlops["total_count"]) if mlops["total_count"] else "all",
        "duplicates": f"{cover['duplicates']:,}",
        "missing": f"{cover['missing']:,}",
        "stale_topics": f"{sum(q['topic_no_longer_listed'] or 0 for q in study.quality['queries']):,}",
        "enriched": bool(study.quality.get("enriched")),
        **provenance_facts(study.quality.get("provenance"), as_of),
        **profile_facts(repos),
        **topic_facts(repos, params["lda_grid"], params["domain_stop_words"]),
        **cluster_facts(repos, as_of),
        **growth_facts(repos, as_of, cover["missing"]),
        **activity_facts(repos, as_of),
        **content_facts(repos, labels),
        "labelled": str(labels.height),
        **adoption_facts(repos, params["min_topic_repos"]),
        **tag_facts(repos, params["min_topic_repos"], query_topics(study.quality)),
        **survival_facts(repos, as_of, types, labels),
        **cohort_facts(study, older, types, labels, params["key_players"]),
        **compare.facts(study, older),
        "users_total": f"{sizes['total'][0]:,}",
        "community_sentence": community_sentence(sizes, stated),
        "contribution_headline": contribution_headline(repos, study.pull_requests_monthly),
        **talk.talk_facts(stated),
        "talk_count_tolerance": pct(talk.COUNT_TOLERANCE),
        "pca_variance_kept": pct(clusters.VARIANCE_KEPT),
        "study_repositories": f"{cover['repositories']:,}",
        "study_python_share": eda.share_text(repos, "Python"),
        "study_notebook_share": eda.share_text(repos, "Jupyter Notebook"),
        **{f"study_{r['layer']}": f"{r['total']:,} {r['measure']}" for r in sizes.iter_rows(named=True)},
    }
    return {**said, "talk_verdicts": talk.verdict_counts(talk.claims(said)), "nulls_headline": nulls_headline(said)}


#: The models judged against a null reference: (fact prefix, name in a title).
NULL_MODELS = (("topics", "topics"), ("clusters", "clusters"), ("tags", "tag communities"))


def nulls_headline(said: dict[str, Any]) -> str:
    """Which models beat their null references, in a slide title's few words: the talk reported its topics and
    clusters without one, so this is what its modelling results hold up to."""
    beat = [name for key, name in NULL_MODELS if said[f"{key}_finding"]]
    fell = [name for key, name in NULL_MODELS if said[f"{key}_supported"] and not said[f"{key}_finding"]]
    unfitted = [name for key, name in NULL_MODELS if not said[f"{key}_supported"]]
    parts = [f"{tables.listed(beat)} beat their null references"] if beat else []
    if fell:
        parts.append(f"{tables.listed(fell)} do not" + ("" if beat else " beat their null references"))
    if unfitted:
        parts.append(f"{tables.listed(unfitted)} are not fitted on this snapshot")
    return "; ".join(parts).capitalize()


def cohort_facts(
    study: build.Study, older: build.Study | None, types: pl.DataFrame, labels: pl.DataFrame, key_players: int
) -> dict[str, Any]:
    """ "Where are they now": the analysed snapshot's follow-up or, when it has none, the compared (older)
    snapshot's: `make refresh` follows last week's cohort to today and compares it with today's snapshot.
    `followup_recorded`: there is a follow-up to report (the documents then give it a section of its own)."""
    followed = study
    if study.followup is None and older is not None and older.followup is not None:
        followed, types = older, content.classify_all(older.repos)
    repos = followed.repos
    said = then_now.facts(
        repos,
        followed.followup,
        followed.as_of,
        (followed.quality.get("followup") or {}).get("followed_on"),
        types.join(repos.select("id", "owner_type"), on="id"),
        lambda: players.key_repositories(repos, types, labels, n=key_players),
    )
    recorded = said["followup_paper"] != then_now.NO_FOLLOWUP
    if followed is older:
        said["followup_paper"] = (
            f"This section follows up the earlier snapshot, of {older.as_of}. " + said["followup_paper"]
        )
    return {**said, "followup_recorded": recorded}


PROVENANCE_KEYS = ("source_repository", "source_commit", "source_path")


def provenance_facts(provenance: dict[str, Any] | None, as_of: str) -> dict[str, Any]:
    """Where a snapshot recorded by someone else comes from (its manifest's `provenance`): the embedded 2023
    snapshot names the talk's repository and commit. A snapshot this study collected has none."""
    if not provenance:
        collected = f"The snapshot's responses were recorded by this study's collector on {as_of}."
        return unsupported("provenance", collected, PROVENANCE_KEYS)
    repository = str(provenance["repository"]).removeprefix("https://github.com/")
    return supported("provenance", PROVENANCE_KEYS, (repository, provenance["commit"], provenance["path"]))


PROFILE_KEYS = (
    "top_language",
    "top_language_share",
    "second_language",
    "second_language_share",
    "top_language_share_known",
    "second_language_share_known",
    "with_language",
    "median_stars",
    "share_under_10_stars",
    "top1pct_star_share",
    "top_repo",
    "top_repo_stars",
    "top_owner",
    "top_owner_star_share",
    "median_created",
)


def profile_facts(repos: pl.DataFrame) -> dict[str, str]:
    """Languages, stars and key players; a snapshot needs two languages among its repositories for these."""
    langs = eda.language_shares(repos, min_repos=1).filter(pl.col("language") != eda.NO_LANGUAGE)
    if langs.height < 2:
        return unsupported(
            "profile", f"The snapshot's repositories have {langs.height} primary languages, fewer than 2.", PROFILE_KEYS
        )
    stars = eda.star_summary(repos)
    owners = players.key_owners(repos, n=1).row(0, named=True)
    top_repo = eda.top_repos(repos, n=1).row(0, named=True)
    return supported(
        "profile",
        PROFILE_KEYS,
        (
            langs["language"][0],
            pct(langs["share"][0]),
            langs["language"][1],
            pct(langs["share"][1]),
            *(known_share(repos, language) for language in langs["language"][:2]),
            f"{repos['language'].drop_nulls().len():,}",
            f"{stars['median']:,.0f}",
            pct(stars["share_under_10"]),
            pct(stars["top1pct_share_of_stars"]),
            top_repo["repository"],
            f"{top_repo['stars']:,}",
            owners["owner_login"],
            pct(owners["share_of_stars"]),
            median_created(repos).strftime("%B %Y"),
        ),
    )


ACTIVITY_KEYS = ("median_years_since_push", "median_months_since_push", "share_pushed_90d", "share_stale")


def activity_facts(repos: pl.DataFrame, as_of: str) -> dict[str, str]:
    reason = recency.shortfall(repos)
    if reason is not None:
        return unsupported("activity", reason, ACTIVITY_KEYS)
    recent = recency.summary(repos, as_of)
    return supported(
        "activity",
        ACTIVITY_KEYS,
        (
            f"{recent['median_years']:.2f}",
            f"{12 * recent['median_years']:.0f}",
            pct(recent["share_recent"]),
            pct(recent["share_stale"]),
        ),
    )


ADOPTION_KEYS = ("cloud_any", "cloud_top", "cloud_top_share", "aws_share", "azure_share", "gcp_share")
SEPARATION_KEYS = ("modularity", "data_repos", "data_with_ml", "separation_claim", "separation_overlap")


def adoption_facts(repos: pl.DataFrame, min_topic_repos: int) -> dict[str, str]:
    """Cloud prevalence, and the DataOps/MLOps split where both kinds of topics are carried."""
    if repos.height == 0:
        reason = "The snapshot holds no repositories."
        return unsupported("adoption", reason, ADOPTION_KEYS) | unsupported("separation", reason, SEPARATION_KEYS)
    cloud = {r["provider"]: r for r in adoption.cloud_prevalence(repos).iter_rows(named=True)}
    top = max((r for k, r in cloud.items() if k != "Any of these"), key=lambda r: r["share"])
    facts = supported(
        "adoption",
        ADOPTION_KEYS,
        (
            pct(cloud["Any of these"]["share"]),
            top["provider"],
            pct(top["share"]),
            pct(cloud["AWS"]["share"]),
            pct(cloud["Azure"]["share"]),
            pct(cloud["Google Cloud"]["share"]),
        ),
    )
    _, separation = adoption.communities(repos, min_repos=min_topic_repos)
    if separation["modularity"] != separation["modularity"]:  # NaN: no data-engineering or no ML topics to split
        return facts | unsupported(
            "separation",
            f"DataOps and MLOps are not compared: {separation['data_repos']:,} repositories carry a"
            " data-engineering topic, too few beside the ML topics to split.",
            SEPARATION_KEYS,
        )
    return facts | supported(
        "separation",
        SEPARATION_KEYS,
        (
            num(separation["modularity"]),
            f"{separation['data_repos']:,}",
            pct(separation["data_with_ml_share"]),
            *separation_verdict(separation["modularity"]),
        ),
    )


def separation_verdict(modularity: float) -> tuple[str, str]:
    """Whether the two topic sets form separate communities: a sentence, and a verb for titles."""
    if modularity > adoption.CLEAR_MODULARITY:
        return "DataOps and MLOps form separate communities.", "separate"
    return "DataOps and MLOps are not separate communities.", "overlap"


# The analyses a snapshot can be too small for (ANALYSES, below) each have the facts `<name>_supported` and
# `<name>_shortfall`; the documents show an analysis' prose only where Quarto's `when-meta="supports-<name>"`
# holds (see `analysis.metadata`), and its shortfall sentence otherwise, so no sentence is left with a hole in it.


def supported(name: str, keys: tuple[str, ...], values: tuple[str, ...]) -> dict[str, Any]:
    """The facts of an analysis this snapshot supports."""
    return {f"{name}_supported": True, f"{name}_shortfall": "", **dict(zip(keys, values, strict=True))}


def unsupported(name: str, reason: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """The facts of an analysis this snapshot cannot support: the one sentence saying why, and no values."""
    return {f"{name}_supported": False, f"{name}_shortfall": reason, **dict.fromkeys(keys, "")}


def not_a_finding(count: str, reason: str) -> str:
    """A model's count for the talk table, marked when the model does not beat its null reference."""
    return f"{count}; not a finding ({reason})"


TOPIC_KEYS = ("lda_k", "study_lda_topics", "lda_tied", "topic_null")


def topic_facts(repos: pl.DataFrame, grid: tuple[int, ...], domain_stop_words: tuple[str, ...]) -> dict[str, str]:
    """The chosen number of topics; the grid searched and the number of seeds are stated whether or not the
    snapshot supports LDA."""
    seeds = str(len(lda.SEEDS))
    reason = lda.shortfall(repos)
    if reason is not None:
        return unsupported("topics", reason, TOPIC_KEYS) | {
            "lda_grid": ", ".join(map(str, grid)),
            "lda_seeds": seeds,
            "topics_finding": False,
            "topic_headline": "Topics of descriptions",
        }
    topics = lda.choose(repos, grid, domain_stop_words)
    null = topic_null.compare(repos, topics.k, domain_stop_words)
    searched = ", ".join(str(k) for k in topics.grid["k"].to_list())
    count = str(topics.k) if null.beats else not_a_finding(str(topics.k), "no more coherent than shuffled words")
    return supported(
        "topics",
        TOPIC_KEYS,
        (str(topics.k), count, lda.tied_text(topics), topic_null.verdict(null, topics.k)),
    ) | {
        "lda_grid": searched,
        "lda_seeds": seeds,
        "topics_finding": null.beats,
        "topic_headline": f"Coherence picks {topics.k} topics of descriptions, and they beat shuffled words"
        if null.beats
        else "Topics of descriptions are no more coherent than shuffled words",
    }


CLUSTER_KEYS = (
    "dbscan_clusters",
    "dbscan_eps",
    "dbscan_min_samples",
    "pca_components",
    "pca_variance",
    "noise_share",
    "dbscan_silhouette",
    "kmeans_k",
    "kmeans_silhouette",
    "study_dbscan_clusters",
    "dbscan_silhouette_noise",
    "cluster_flags",
    "cluster_headline",
    "cluster_null",
)


def cluster_facts(repos: pl.DataFrame, as_of: str) -> dict[str, Any]:
    """Clusters of the descriptive features, judged against their null reference."""
    reason = clusters.shortfall(repos)
    if reason is not None:
        return unsupported("clusters", reason, CLUSTER_KEYS) | {"clusters_finding": False}
    groups = clusters.cluster(repos, as_of, flags=False)
    null = cluster_null.compare(repos, as_of)
    found = str(clusters.found(groups))
    return supported(
        "clusters",
        CLUSTER_KEYS,
        (
            f"{found} cluster{'' if found == '1' else 's'}",
            f"{groups.eps:.2f}",
            str(groups.min_samples),
            str(groups.components),
            pct(sum(groups.explained)),
            pct(groups.noise_share),
            clusters.silhouette_text(groups.dbscan_silhouette),
            str(groups.kmeans_k),
            num(groups.kmeans_silhouette),
            found if null.beats else not_a_finding(found, "no better than the same features permuted"),
            clusters.silhouette_text(groups.silhouette_with_noise),
            clusters.flags_text(groups, clusters.cluster(repos, as_of)),
            clusters.headline(groups, null.margin if null.beats else None),
            cluster_null.verdict(null),
        ),
    ) | {"clusters_finding": null.beats}


TAG_KEYS = ("tag_null", "tag_communities", "tag_largest", "tag_largest_share", "tag_tagged")


def query_topics(quality: dict[str, Any]) -> tuple[str, ...]:
    """The topics the snapshot's queries selected on: every repository carries one, so they say nothing."""
    return tuple(sorted({t for q in quality["queries"] for t in q.get("topics") or []}))


def tag_facts(repos: pl.DataFrame, min_repos: int, exclude: tuple[str, ...]) -> dict[str, Any]:
    """The tag communities against rewired tags; the largest community with its share of all repositories."""
    reason = tags.shortfall(repos, min_repos, exclude)
    if reason is not None:
        return unsupported("tags", reason, TAG_KEYS) | {"tags_finding": False, "tag_headline": "Communities of tags"}
    found = tags.communities(repos, min_repos, exclude)
    largest = found.communities.row(0, named=True)
    return supported(
        "tags",
        TAG_KEYS,
        (
            tags.verdict(found),
            str(found.communities.height),
            largest["name"],
            f"{pct(largest['share'])} of all {found.repos:,} repositories (95% CI {pct(largest['low'])} to"
            f" {pct(largest['high'])})",
            f"{found.tagged:,}",
        ),
    ) | {"tags_finding": found.null.beats, "tag_headline": tag_headline(found)}


def tag_headline(found: tags.TagCommunities) -> str:
    """The tag communities in a slide title's few words: a finding only when they beat rewired tags."""
    q = f"modularity {num(found.null.real_mean, '.3f')} against {num(found.null.null_mean, '.3f')}"
    if found.null.beats:
        return f"Tags form {found.communities.height} communities that beat rewired tags ({q})"
    return f"Tags form no communities that beat rewired tags ({q})"


SURVIVAL_KEYS = (
    "inactive_share",
    "org_inactive",
    "user_inactive",
    "hr_org",
    "hr_org_low",
    "hr_org_high",
    "hr_star",
    "hr_star_low",
    "hr_star_high",
    "cox_events",
    "cox_global_ph_p",
    "survival_claim",
    "owner_claim",
    "cox_ph_statement",
    "cox_content_statement",
)


def survival_facts(repos: pl.DataFrame, as_of: str, types: pl.DataFrame, labels: pl.DataFrame) -> dict[str, str]:
    durations = survival.durations(repos, as_of)
    reason = survival.shortfall(durations)
    if reason is not None:
        return unsupported("survival", reason, SURVIVAL_KEYS)
    with_types = durations.join(types, on="id").join(repos.select("id", "owner_type"), on="id")
    medians = {r["group"]: r for r in survival.median_survival(with_types, "owner_type").iter_rows(named=True)}
    data = survival.covariates(repos, types).join(durations, on="id")
    cox = survival.cox(data)
    org = survival.hazard_ratio(cox, "owner_type", "Organization", "User")
    if org is None or not {"User", "Organization"} <= set(medians):
        return unsupported(
            "survival",
            "Survival is not compared by owner: the snapshot's repositories have one owner type.",
            SURVIVAL_KEYS,
        )
    star = cox.table.filter(pl.col("term") == "log_stars").row(0, named=True)
    sample = labels.join(repos.select("id"), on="id", how="semi")
    held = content.evaluate(repos, labels).scores.filter(
        (pl.col("split") == "held-out") & (pl.col("class") == "project")
    )
    precision = held["precision"][0] if sample.height and held.height else None
    return supported(
        "survival",
        SURVIVAL_KEYS,
        (
            pct(scalars.number(durations["inactive"].mean())),
            pct(medians["Organization"]["inactive_share"]),
            pct(medians["User"]["inactive_share"]),
            *(num(x) for x in org),
            num(star["hazard_ratio"]),
            num(star["low"]),
            num(star["high"]),
            f"{cox.events:,}",
            f"{cox.global_ph_p:.2g}",
            *survival_claims(org, (star["hazard_ratio"], star["low"], star["high"])),
            survival.ph_statement(cox, survival.every_stratification(data)),
            survival.content_text(precision, survival.content_sensitivity(data, sample) if sample.height else {}),
        ),
    )


def survival_claims(org: tuple[float, float, float], star: tuple[float, float, float]) -> tuple[str, str]:
    """What the Cox model says of owners and stars, as a sentence and as a title: only what its intervals
    support (a hazard ratio whose interval excludes 1), and as associations, not effects (stars are counted
    at the snapshot, after the outcome)."""

    def longer_lived(ratio: tuple[float, float, float], below: str, above: str) -> str | None:
        return below if ratio[2] < 1 else above if ratio[1] > 1 else None

    owner = longer_lived(org, "Organisation-owned", "User-owned")
    stars = longer_lived(star, "more-starred", "less-starred")
    title = (
        f"{owner} repositories tend to stay active longer"
        if owner
        else "Owner type makes no clear difference to how long repositories stay active"
    )
    caveat = "associations, not effects"
    if owner and stars:
        return f"{owner} and {stars} repositories tend to stay active longer ({caveat}).", title
    if owner or stars:
        other = "stars make" if owner else "owner type makes"
        return (
            f"{(owner or stars or '').capitalize()} repositories tend to stay active longer ({caveat}); {other} no"
            " clear difference.",
            title,
        )
    return "Neither owner type nor stars make a clear difference to how long repositories stay active.", title


GROWTH_KEYS = (
    "growth_summary",
    "growth_headline",
    "growth_choice",
    "growth_cap",
    "peak_quarter",
    "peak_created",
    "peak_courses",
)


def growth_facts(repos: pl.DataFrame, as_of: str, missing: int) -> dict[str, Any]:
    """The growth model's sentences, and the busiest quarter with the course repositories in it; on a snapshot
    too small for it, the sentence that says why. `growth_growing`: the last year's growth is above zero."""
    reason = growth.shortfall(repos, as_of)
    if reason is not None:
        return unsupported("growth", reason, GROWTH_KEYS) | {"growth_growing": False}
    trend = growth.fit(repos, as_of)
    peak = trend.observed.sort("created", descending=True).row(0, named=True)
    in_peak = pl.col("created_at").dt.truncate("1q").dt.date() == peak["quarter"]
    return supported(
        "growth",
        GROWTH_KEYS,
        (
            growth.summary(trend),
            growth.headline(trend),
            growth.choice(trend),
            growth.cap_check(growth.yearly(trend, missing), missing),
            growth.quarter_name(peak["quarter"]),
            f"{peak['created']:,}",
            f"{int(content.courses(repos.filter(in_peak)).sum()):,}",
        ),
    ) | {"growth_growing": bool(trend.recent[1] > 0)}


CONTENT_KEYS = ("content_summary", "learning_share", "content_sample", "learning_precision", "learning_recall")


def content_facts(repos: pl.DataFrame, labels: pl.DataFrame) -> dict[str, str]:
    """The one estimate of content shares, or the sentence saying why this snapshot has none."""
    reason = content.shortfall(repos, labels)
    if reason is not None:
        return unsupported("content", reason, CONTENT_KEYS)
    shares = content.estimate(repos, labels)
    present = int(shares["labelled"].sum())
    scores = content.evaluate(repos, labels).scores
    held = scores.filter((pl.col("split") == "held-out") & (pl.col("class") == "learning")).row(0, named=True)
    return supported(
        "content",
        CONTENT_KEYS,
        (
            content.summary(shares, present),
            pct(shares.filter(pl.col("content_type") == "learning")["share"][0]),
            f"{present:,}",  # the shares' denominator: the hand-labelled repositories this snapshot holds
            num(held["precision"]),
            num(held["recall"]),
        ),
    )


def known_share(repos: pl.DataFrame, language: str) -> str:
    """A language's share of the repositories GitHub gives a primary language (not of all of them)."""
    n = eda.language_denominators(repos, language)
    return pct(n["repos"] / n["with_language"]) if n["with_language"] else ""


def community_sentence(sizes: pl.DataFrame, stated: pl.DataFrame) -> str:
    """What this snapshot counts of bug reporters and code contributors: enrichment's counts, or named proxies."""
    total = dict(sizes.select("layer", "total").iter_rows())
    if not sizes["proxy"].any():
        return (
            f"Across repositories there are {total['bug_reporters']:,} bug reporters (issue authors) and"
            f" {total['code_contributors']:,} code contributors (pull-request authors), counted once per repository."
        )
    reported = talk.talk_facts(stated)
    return (
        f"The search data cannot count bug reporters or code contributors, which the talk reported as"
        f" {reported['talk_bug_reporters']} and {reported['talk_code_contributors']}. As proxies, the repositories"
        f" hold {total['bug_reporters']:,} open issues and pull requests and {total['code_contributors']:,} forks."
    )


def contribution_headline(repos: pl.DataFrame, monthly: pl.DataFrame | None) -> str:
    """The contribution-rate slide's title: what its figure shows, in one number. Without enrichment the figure is
    the search data's proxy (open issues and pull requests per repository), and the title says so."""
    if repos.is_empty():
        return "The snapshot holds no repository whose contributions could be counted"
    if monthly is None:
        none = scalars.number((repos["open_issues_count"] == 0).mean())
        return f"{pct(none)} of repositories have no open issue or pull request (the search data's proxy)"
    per_month = monthly.group_by("month").agg(pl.col("opened").sum()).sort(["opened", "month"], descending=True)
    if per_month.is_empty():
        return "No pull request was opened in the months the enrichment covers"
    peak = per_month.row(0, named=True)
    return f"Pull requests opened per month peak at {peak['opened']:,}, in {peak['month']:%Y-%m}"


def lock_sha256() -> str:
    """The checksum of uv.lock, which pins every package that ran: with the manifest's, it names a run."""
    return hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()


def current() -> dict[str, Any]:
    """The facts of the configured snapshot, computed on first use and cached beside its tables.

    `make report` computes them while notebook 04, which reads them, runs: a lock file makes whichever asks
    second wait for the first's result, not compute it again."""
    study = build.current()
    path: Path = config.processed_dir() / FACTS_FILE
    inputs = fingerprint.facts_inputs(config.snapshot_dir())
    with FileLock(path.with_suffix(".lock")):
        if path.is_file():
            cached = json.loads(path.read_text())
            if cached.get("inputs_sha256") == inputs:
                return cached
        facts = {**compute(study), "inputs_sha256": inputs}
        atomic.write_json(path, facts)
    return facts


#: Each analysis a snapshot can be too small for (and the provenance a collected snapshot lacks), with the facts
#: that exist only when it supports it.
ANALYSES = {
    "provenance": PROVENANCE_KEYS,
    "profile": PROFILE_KEYS,
    "topics": TOPIC_KEYS,
    "clusters": CLUSTER_KEYS,
    "growth": GROWTH_KEYS,
    "activity": ACTIVITY_KEYS,
    "content": CONTENT_KEYS,
    "adoption": ADOPTION_KEYS,
    "separation": SEPARATION_KEYS,
    "tags": TAG_KEYS,
    "survival": SURVIVAL_KEYS,
}
