"""Analysis functions on small inputs whose answers are known (hand computations, named examples)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import sparse

from analysis import adoption, clusters, community, content, growth, lda, players, recency, scalars, survival, talk
from analysis.text import clean, merge_inflections

UTC = dt.UTC


def repos_frame(rows: list[dict]) -> pl.DataFrame:
    """A minimal repos table with the columns the analyses read."""
    defaults: dict[str, Any] = {
        "description": None,
        "topics": [],
        "language": "Python",
        "license_key": "mit",
        "owner_type": "User",
        "stargazers_count": 1,
        "forks_count": 0,
        "open_issues_count": 0,
        "has_issues": True,
        "has_wiki": False,
        "has_pages": False,
        "has_discussions": False,
        "owner_login": "o",
    }
    filled = [{**defaults, "id": i, "name": f"r{i}", "full_name": f"o/r{i}", **r} for i, r in enumerate(rows)]
    return pl.DataFrame(filled).with_columns(
        pl.col("created_at", "pushed_at").str.to_datetime("%Y-%m-%d", time_zone="UTC")
    )


# -- text and LDA ---------------------------------------------------------------------------
def test_clean_removes_urls_emoji_and_shortcodes():
    text = "🚀 Deploy :rocket: models, see https://example.com/x?y=1 and www.site.org! End-to-end."
    assert clean(text) == "deploy models see and endtoend"
    assert clean(None) == "" and clean("") == ""


def test_plurals_merge_into_their_singular_only_where_it_occurs():
    texts = ["serving models and pipelines", "a model library", "libraries for kubernetes", "one pipeline", "class"]
    assert merge_inflections(texts) == [
        "serving model and pipeline",
        "a model library",
        "library for kubernetes",
        "one pipeline",
        "class",
    ]


def test_npmi_of_perfect_and_disjoint_terms():
    # terms 0 and 1 always together; term 2 never with them
    binary = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]]))
    assert lda.npmi_coherence(binary, np.array([0, 1])) == pytest.approx(1.0)
    assert lda.npmi_coherence(binary, np.array([0, 2])) == pytest.approx(-1.0)


def test_lda_finds_planted_topics_and_is_deterministic():
    a = "kubernetes cluster helm deploy serving container"
    b = "course lesson homework tutorial student notebook"
    rows = [
        {
            "description": " ".join(np.random.default_rng(i).permutation((a if i % 2 else b).split())),
            "created_at": "2021-01-01",
            "pushed_at": "2022-01-01",
        }
        for i in range(60)
    ]
    repos = repos_frame(rows)
    first, second = lda.choose.__wrapped__(repos, ks=(2, 3)), lda.choose.__wrapped__(repos, ks=(2, 3))
    assert first.k == 2
    assert first.terms.equals(second.terms) and first.assignments.equals(second.assignments)
    cached = lda.choose(repos, ks=(2, 3))  # computed, or read back from the model cache: the same either way
    assert cached.terms.equals(first.terms) and cached.grid.equals(first.grid)
    groups = first.assignments.join(repos.select("id", "description"), on="id")
    for topic in (1, 2):
        texts = groups.filter(pl.col("topic") == topic)["description"].to_list()
        assert all(("kubernetes" in t) == ("kubernetes" in texts[0]) for t in texts)


# -- clusters ------------------------------------------------------------------------------
def test_knee_of_a_hockey_stick():
    curve = np.r_[np.linspace(0, 1, 90), np.linspace(1.5, 20, 10)]
    assert 88 <= clusters.knee(curve) <= 90


def test_clusters_separate_two_planted_groups():
    rows = [
        {
            "stargazers_count": 5000 + i if i < 30 else i % 3,
            "forks_count": 500 if i < 30 else 0,
            "open_issues_count": 50 if i < 30 else 0,
            "has_wiki": i < 30,
            "created_at": "2018-01-01" if i < 30 else "2022-06-01",
            "pushed_at": "2023-01-01",
        }
        for i in range(90)
    ]
    c = clusters.cluster(repos_frame(rows), "2023-01-19")
    for method in ("kmeans", "dbscan"):  # no cluster mixes the two planted groups
        labels = c.points[method].to_list()
        assert not set(labels[:30]) & set(labels[30:]) - {-1}, method
    assert c.eps > 0


# -- growth --------------------------------------------------------------------------------
def quarterly_rows(means: list[float], seed: int = 7) -> list[dict]:
    """Repositories created in consecutive quarters from 2015 Q1, Poisson counts around `means`."""
    rng = np.random.default_rng(seed)
    rows = []
    for q, mean in enumerate(means):
        day = dt.date(2015 + q // 4, 3 * (q % 4) + 1, 15)
        rows += [{"created_at": day.isoformat(), "pushed_at": "2023-01-01"}] * int(rng.poisson(mean))
    return rows


def test_growth_recovers_a_known_doubling():
    rows = quarterly_rows([5 * 2 ** (q / 4) for q in range(32)])  # doubling every year: 100% a year
    g = growth.fit(repos_frame(rows), "2023-01-19")
    assert g.recent[1] <= 1.0 <= g.recent[2]
    assert g.recent_within >= 3
    assert g.observed["quarter"].max() == dt.date(2022, 10, 1)  # the snapshot's own quarter is left out


def test_growth_finds_a_planted_levelling_off():
    """Doubling every year for five years, then flat: a segmented trend wins, and one exponential trend fails."""
    means = [4 * 2 ** (q / 4) for q in range(20)] + [4 * 2**5] * 12
    g = growth.fit(repos_frame(quarterly_rows(means, seed=8)), "2023-01-19")
    assert g.chosen.model == "segmented"
    assert g.break_quarter == "2020 Q1"  # the last quarter on the growing slope
    assert g.early[1] <= 1.0 <= g.early[2] and growth.is_flat(g.recent)
    assert g.candidates.filter(pl.col("model") == "exponential")["delta_aic"][0] > 10
    assert g.recent_within == growth.CHECKED_QUARTERS
    assert "flat since" in growth.summary(g)


def test_yearly_counts_have_exact_intervals_and_a_cap_bound():
    rows = [
        {"created_at": f"{2015 + q // 4}-{3 * (q % 4) + 1:02d}-15", "pushed_at": "2023-01-01"}
        for q in range(32)
        for _ in range(10)
    ]  # exactly 40 a year
    years = growth.yearly(growth.fit(repos_frame(rows), "2023-01-19"), missing=25)
    assert years["year"].to_list() == list(range(2015, 2023))
    assert set(years["created"]) == {40} and set(years["with_missing"]) == {65}
    # Garwood's exact interval for a count of 40 (Poisson): 28.58 to 54.47
    assert years["low"][0] == pytest.approx(28.58, abs=0.01) and years["high"][0] == pytest.approx(54.47, abs=0.01)
    assert years["exponential"].to_list() == pytest.approx([40] * 8, rel=0.02)


def test_growth_says_why_it_cannot_model_a_small_snapshot():
    few = repos_frame(quarterly_rows([1.0] * 4))
    assert "fewer than 30" in (growth.shortfall(few, "2023-01-19") or "")
    assert growth.shortfall(repos_frame(quarterly_rows([10.0] * 32)), "2023-01-19") is None


# -- recency and survival -------------------------------------------------------------------
def test_recency_shares():
    rows = [
        {"created_at": "2020-01-01", "pushed_at": p} for p in ("2023-01-10", "2022-12-01", "2022-06-01", "2021-01-01")
    ]
    s = recency.summary(repos_frame(rows), "2023-01-19")
    assert s["share_recent"] == 0.5 and s["share_stale"] == 0.25


def test_durations_slice_and_censor():
    rows = [
        {"created_at": "2020-01-01", "pushed_at": "2021-01-01"},  # inactive since 2022-01-01
        {"created_at": "2020-01-01", "pushed_at": "2022-12-01"},
    ]  # still active: censored
    d = survival.durations(repos_frame(rows), "2023-01-01")
    assert d["inactive"].to_list() == [True, False]
    assert d["years"].to_list() == pytest.approx([731 / 365.25, 1096 / 365.25])


def test_kaplan_meier_matches_a_hand_computation():
    # times 1,2,2+,3,4+: S(1)=4/5, S(2)=4/5*3/4, S(3)=0.6*1/2
    data = pl.DataFrame(
        {"years": [1.0, 2.0, 2.0, 3.0, 4.0], "inactive": [True, True, False, True, False], "g": ["a"] * 5}
    )
    curve = survival.km_curves(data, "g")
    assert curve["years"].to_list() == [0.0, 1.0, 2.0, 3.0]
    assert curve["survival"].to_list() == pytest.approx([1.0, 0.8, 0.6, 0.3])
    assert survival.median_survival(data, "g")["median_years"][0] == 3.0


def test_logrank_and_cox_see_a_planted_hazard_ratio():
    rng = np.random.default_rng(3)
    n = 600
    org = rng.random(n) < 0.4  # users are the most common owners, so the reference
    times = rng.exponential(np.where(org, 4.0, 2.0))  # users go inactive twice as fast
    censor = rng.uniform(0, 6, n)
    data = pl.DataFrame(
        {
            "id": np.arange(n),
            "years": np.minimum(times, censor),
            "inactive": times <= censor,
            "owner_type": np.where(org, "Organization", "User"),
            "log_stars": rng.normal(size=n),
            "license": "none",
            "content_type": "project",
            "language": "Python",
        }
    )
    assert survival.logrank(data, "owner_type")[1] < 1e-6
    result = survival.cox(data)
    row = result.table.filter(pl.col("term") == "owner_type: Organization").row(0, named=True)
    assert row["low"] < 0.5 < row["high"]
    assert survival.hazard_ratio(result, "owner_type", "Organization", "User") == (
        row["hazard_ratio"],
        row["low"],
        row["high"],
    )
    # With organisations the most common owners, they are the reference, and the ratio is read inverted.
    flipped = survival.cox(data.with_columns(owner_type=pl.Series(np.where(org, "User", "Organization"))))
    inverted = survival.hazard_ratio(flipped, "owner_type", "User", "Organization")
    assert inverted is not None, "the flipped model compares the two owner types"
    ratio, low, high = inverted
    assert flipped.references["owner_type"] == "Organization" and low < 0.5 < high
    # A topic without Python: each reference is the data's most common level.
    other = data.with_columns(language=pl.Series(np.where(np.arange(n) % 3 == 0, "Rust", "Go")))
    result = survival.cox(other)
    assert result.references == {"owner_type": "User", "license": "none", "content_type": "project", "language": "Go"}
    assert "language: Rust" in result.table["term"].to_list()
    assert survival.cox_summary(result)["term"][3] == "Language: Go (reference)"


# -- content, adoption, community, players --------------------------------------------------
@pytest.mark.parametrize(
    "name,description,topics,expected",
    [
        ("mlops-zoomcamp", "Free MLOps course from DataTalks.Club", ["course"], "learning"),
        ("awesome-mlops", "A curated list of references for MLOps", ["awesome-list"], "learning"),
        ("Learning-MLOps", "My notes", [], "learning"),
        ("machine-learning-platform", "Deploy models", [], "tool"),
        ("mlflow", "Open source platform for the machine learning lifecycle", ["ml"], "tool"),
        ("churn-prediction", "Predict customer churn with an API", ["fastapi"], "project"),
        ("my-repo", "Some code", ["model-serving"], "project"),  # topics name the stack, not the kind
    ],
)
def test_content_classifier_on_named_examples(name, description, topics, expected):
    assert content.classify(name, description, topics) == expected


def test_content_evaluation_counts(tmp_path):
    repos = pl.DataFrame(
        [
            {"id": i, "name": n, "description": d, "topics": []}
            for i, (n, d) in enumerate([("x-course", ""), ("y-library", "a library"), ("z", "app"), ("w", "")])
        ]
    )
    labels_file = tmp_path / "labels.csv"
    labels_file.write_text("id,full_name,label\n0,a,learning\n1,b,tool\n2,c,learning\n3,d,project\n")
    labels = content.hand_labels(labels_file)
    scores = content.evaluate(repos, labels).scores.filter(pl.col("split") == "all")
    learning = scores.filter(pl.col("class") == "learning").row(0, named=True)
    assert (learning["precision"], learning["recall"], learning["support"]) == (1.0, 0.5, 2)
    project = scores.filter(pl.col("class") == "project").row(0, named=True)
    assert (project["precision"], project["recall"]) == (0.5, 1.0)


def test_cloud_prevalence_per_provider():
    repos = pl.DataFrame(
        {
            "topics": [["aws", "kubernetes"], ["azure-ml"], [], ["k8s"]],
            "description": [None, None, "Deploy to SageMaker", "docker images"],
        }
    )
    got = dict(adoption.cloud_prevalence(repos).select("provider", "repos").iter_rows())
    assert got["AWS"] == 2 and got["Azure"] == 1 and got["Kubernetes"] == 2 and got["Docker"] == 1
    assert got["Any of these"] == 4


def test_modularity_of_two_separate_cliques_is_one_half():
    matrix = pl.DataFrame(
        [
            {"a": a, "b": b, "repos": 1 if (a < "m") == (b < "m") else 0}
            for a in ("a1", "a2", "n1", "n2")
            for b in ("a1", "a2", "n1", "n2")
        ]
    )
    assert adoption.modularity(matrix, ("a1", "a2"), ("n1", "n2")) == pytest.approx(0.5)
    assert adoption.modularity(matrix, ("a1", "n1"), ("a2", "n2")) < 0


def test_sizes_use_named_proxies_without_enrichment():
    repos = pl.DataFrame({"stargazers_count": [3, 4], "open_issues_count": [1, 5], "forks_count": [2, 0]})
    s = community.sizes(repos, None)
    assert s["total"].to_list() == [7, 6, 2] and s["proxy"].to_list() == [False, True, True]
    assert "proxy" in s["measure"][1] and "proxy" in s["measure"][2]
    enriched = pl.DataFrame({"status": ["ok", "unavailable"], "issue_authors": [5, None], "contributors": [2, None]})
    measured = community.sizes(repos, enriched)
    assert measured["total"].to_list() == [7, 5, 2] and not measured["proxy"].any()


def test_talk_values_are_read_and_reconciled():
    values = talk.stated()
    assert {"repositories", "users", "bug_reporters", "code_contributors", "lda_topics"} <= set(values["key"])
    assert (values["source"].str.len_chars() > 10).all() and (values["why"].str.len_chars() > 10).all()
    facts = {f"study_{k}": f"measured {k}" for k in values["key"]}
    table = talk.reconcile(values, facts)
    assert table.columns == ["quantity", "talk", "study", "why"]
    row = table.filter(pl.col("quantity") == "Users (stargazers)").row(0, named=True)
    assert row["talk"] == "287,127" and row["study"] == "measured users"
    assert talk.talk_facts(values)["talk_python_share"] == "50%"


@pytest.mark.parametrize(
    "name,description,topics,expected",
    [
        ("mlops-zoomcamp-homework", "My solutions", [], True),
        ("capstone", "Final project of the MLOps Bootcamp", [], True),
        ("my-app", "Serve a model", ["data-science-course"], True),  # topics split at hyphens
        ("mlops-examples", "Examples of model serving", ["tutorial"], False),  # learning, but no course
        ("coursework-free", "Discourse bot", [], False),  # whole words only
    ],
)
def test_course_repositories_name_a_course_or_its_coursework(name, description, topics, expected):
    assert content.is_course(name, description, topics) is expected


def claim_facts(**changes: Any) -> dict[str, Any]:
    """The facts talk.claims reads, for a snapshot that supports every analysis, with `changes`."""
    facts: dict[str, Any] = {
        **{f"{a}_supported": True for a in ("profile", "topics", "clusters", "growth", "content", "separation")},
        "adoption_supported": True,
        "survival_supported": True,
        "talk_repositories": "1,045",
        "n_repos": "1,007",
        "duplicates": "22",
        "talk_python_share": "50%",
        "talk_notebook_share": "30%",
        "top_language": "Python",
        "second_language": "Jupyter Notebook",
        "top_language_share_known": "50%",
        "second_language_share_known": "29%",
        "with_language": "900",
        "talk_lda_topics": "20",
        "lda_k": "20",
        "topics_finding": True,
        "topic_headline": "Coherence picks 20 topics",
        "talk_dbscan_clusters": "5",
        "study_dbscan_clusters": "1",
        "dbscan_clusters": "1 cluster",
        "noise_share": "5%",
        "clusters_finding": True,
        "cluster_headline": "k-means' 2 clusters beat permuted features",
        "growth_headline": "flat since 2021 Q2",
        "growth_growing": False,
        "talk_users": "287,127",
        "users_total": "350,000",
        "talk_bug_reporters": "13,443",
        "talk_code_contributors": "7,373",
        "study_bug_reporters": "15,396 open issues and pull requests (a proxy)",
        "study_code_contributors": "50,013 forks (a proxy)",
        "learning_share": "37%",
        "separation_claim": "DataOps and MLOps are not separate communities.",
        "modularity": "0.04",
        "cloud_any": "41%",
        "inactive_share": "27%",
        "survival_claim": "Organisation-owned repositories tend to stay active longer.",
    }
    return {**facts, **changes}


def test_the_talks_claims_get_a_verdict_from_the_facts():
    verdicts = dict(talk.claims(claim_facts()).select("claim", "verdict").iter_rows())
    assert verdicts["1,045 repositories carry the two topics"] == "reproduced"  # within 5%
    assert verdicts["Descriptions hold 20 topics (LDA)"] == "reproduced"  # the talk's count, beating its null
    assert verdicts["Repositories form 5 clusters (DBSCAN)"] == "contradicted"  # another count
    assert verdicts["The ecosystem is growing"] == "extended"  # it grows, but no faster
    assert verdicts["287,127 users (stars summed over repositories)"] == "contradicted"  # 22% more
    assert verdicts["13,443 bug reporters and 7,373 code contributors"] == "not measurable"  # proxies only
    no_null = dict(talk.claims(claim_facts(topics_finding=False)).select("claim", "verdict").iter_rows())
    assert no_null["Descriptions hold 20 topics (LDA)"] == "contradicted"  # no better than shuffled words
    small = talk.claims(claim_facts(topics_supported=False, topics_shortfall="Too few descriptions."))
    row = small.filter(pl.col("claim") == "Descriptions hold 20 topics (LDA)").row(0, named=True)
    assert (row["study"], row["verdict"]) == ("Too few descriptions.", "not measurable")
    assert talk.verdict_counts(talk.claims(claim_facts())) == (
        "3 reproduced, 2 contradicted, 4 extended and 2 not measurable"
    )


def test_task_from_curated_list_then_rules():
    curated = {"mlflow": "version"}
    assert players.task_of("mlflow", "mlflow", "", [], curated) == "version"
    assert players.task_of("x", "y", "Model drift monitoring", [], curated) == "monitoring"
    assert players.task_of("x", "y", "anything", [], curated, content_type="learning") == "learning material"


def test_key_player_labels_come_from_hand_then_curated_then_classifier():
    curated = {"mlflow": "version"}
    assert players.content_label("Made-With-ML", "GokuMohandas", "learning", curated, "project") == (
        "learning",
        "hand label",
    )
    assert players.content_label("mlflow", "mlflow", None, curated, "project") == ("tool", "curated list")
    assert players.content_label("x", "y", None, curated, "project") == ("project", "classifier")


def test_content_shares_come_from_the_labelled_repositories_present():
    repos = pl.DataFrame({"id": list(range(40))})
    labels = pl.DataFrame({"id": list(range(50)), "label": ["learning"] * 10 + ["tool"] * 30 + ["project"] * 10})
    shares = content.estimate(repos, labels)  # ids 40-49 are not in the snapshot
    assert shares["labelled"].to_list() == [10, 30, 0]
    assert shares["share"].to_list() == pytest.approx([0.25, 0.75, 0.0])
    assert all(shares["low"] <= shares["share"]) and all(shares["share"] <= shares["high"])
    # Wilson interval of 10 of 40 at 95%: (0.25 + z^2/80 -+ z sqrt(0.25 * 0.75 / 40 + z^2 / 6400)) / (1 + z^2/40)
    assert (shares["low"][0], shares["high"][0]) == pytest.approx((0.1419, 0.4019), abs=1e-4)
    assert content.shortfall(repos, labels) is None
    assert "20 of this snapshot's repositories" in (content.shortfall(repos.head(20), labels) or "")


def test_adoption_without_data_engineering_topics():
    repos = pl.DataFrame({"topics": [["mlops"], ["mlops", "python"]], "description": [None, None]})
    matrix, separation = adoption.communities(repos)
    assert matrix.is_empty() and separation["data_repos"] == 0
    assert separation["modularity"] != separation["modularity"]  # NaN: nothing to measure


def test_polars_aggregates_become_plain_values_or_fail_clearly():
    assert scalars.number(pl.Series([1, 2, 4]).median()) == 2.0
    assert scalars.number(pl.Series([True, False, False, False]).mean()) == 0.25
    with pytest.raises(TypeError, match="expected a number from a numeric column, got None"):
        scalars.number(pl.Series([], dtype=pl.Int64).median())
    assert scalars.day(pl.Series([dt.date(2021, 5, 1), dt.date(2020, 2, 3)]).min()) == dt.date(2020, 2, 3)
    with pytest.raises(TypeError, match="expected a date from a date column, got '2021-01-01'"):
        scalars.day(pl.Series(["2021-01-01"]).min())


def test_survival_claims_say_only_what_the_intervals_support():
    from analysis.facts import survival_claims

    lower, unclear, higher = (0.6, 0.4, 0.8), (0.9, 0.5, 1.7), (1.6, 1.4, 1.8)
    assert survival_claims(lower, lower) == (
        "Organisation-owned and more-starred repositories tend to stay active longer (associations, not effects).",
        "Organisation-owned repositories tend to stay active longer",
    )
    assert survival_claims(higher, unclear)[0] == (
        "User-owned repositories tend to stay active longer (associations, not effects); stars make no clear"
        " difference."
    )
    assert survival_claims(unclear, lower)[0] == (
        "More-starred repositories tend to stay active longer (associations, not effects); owner type makes no"
        " clear difference."
    )
    sentence, title = survival_claims(unclear, unclear)
    assert sentence.startswith("Neither") and title.startswith("Owner type makes no clear difference")


def test_separation_verdict_follows_the_modularity_threshold():
    from analysis import adoption
    from analysis.facts import separation_verdict

    assert separation_verdict(adoption.CLEAR_MODULARITY + 0.1)[1] == "separate"
    assert separation_verdict(0.04) == ("DataOps and MLOps are not separate communities.", "overlap")


def test_contribution_headline_names_the_peak_month_of_pull_requests():
    """The enrichment's months are dates: the title names the busiest one by year and month."""
    from analysis.facts import contribution_headline

    monthly = pl.DataFrame(
        {"id": [1, 2, 1], "month": [dt.date(2022, 5, 1), dt.date(2022, 5, 1), dt.date(2022, 6, 1)], "opened": [2, 3, 4]}
    )
    repos = pl.DataFrame({"open_issues_count": [0, 1]})
    assert contribution_headline(repos, monthly) == "Pull requests opened per month peak at 5, in 2022-05"
    assert contribution_headline(repos, None).startswith("50% of repositories have no open issue")
    assert "no repository" in contribution_headline(repos.clear(), None)
