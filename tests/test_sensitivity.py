"""Known answers for the sensitivity analyses: PH tests, LDA over seeds, clusters against flags, break quarters."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score
from test_analyses import quarterly_rows, repos_frame

from analysis import clusters, growth, lda, robustness, survival


# -- proportional hazards ----------------------------------------------------------------------
def survival_frame(org: np.ndarray, stars: np.ndarray, years: np.ndarray, event: np.ndarray, **levels) -> pl.DataFrame:
    n = len(org)
    return pl.DataFrame(
        {
            "id": np.arange(n),
            "years": years,
            "inactive": event,
            "owner_type": np.where(org, "Organization", "User"),
            "log_stars": stars,
            "license": levels.get("license", "none"),
            "content_type": "project",
            "language": "Python",
        }
    )


def planted(seed: int, reverses: bool) -> pl.DataFrame:
    """Organisations halve the hazard of going inactive; with `reverses`, only in the first year, and double it
    after (a hazard ratio that drifts with time). Stars act proportionally throughout."""
    rng = np.random.default_rng(seed)
    n = 800
    org = rng.random(n) < 0.4
    stars = rng.normal(size=n)
    base = np.exp(-0.4 * stars)
    early, late = np.where(org, 0.5, 1.0) * base, np.where(org, 2.0 if reverses else 0.5, 1.0) * base
    first = rng.exponential(1 / early)
    times = np.where(first < 1, first, 1 + rng.exponential(1 / late))
    censor = rng.uniform(0, 4, n)
    return survival_frame(org, stars, np.minimum(times, censor), times <= censor)


def test_grambsch_therneau_finds_a_planted_violation_and_only_it():
    data = planted(5, reverses=True)
    result = survival.cox(data)
    assert result.variable_ph_p["owner_type"] < 1e-4
    assert result.variable_ph_p["log_stars"] > 0.05
    assert result.global_ph_p < 1e-3
    assert survival.failing(result) == ["owner_type"]
    statement = survival.ph_statement(result, survival.every_stratification(data))
    assert "rejects proportional hazards after Holm's adjustment for 2 tests for owner type" in statement
    assert "owner type (p < 0.001, < 0.001 adjusted)" in statement


def test_holm_adjusts_the_family_step_down():
    adjusted = survival.holm({"a": 0.01, "b": 0.04, "c": 0.03, "d": 0.5, "e": 0.2})
    # By hand: 5 x 0.01, max(4 x 0.03, 0.05), max(3 x 0.04, 0.12), max(2 x 0.2, 0.12), max(0.5, 0.4)
    assert adjusted == pytest.approx({"a": 0.05, "c": 0.12, "b": 0.12, "e": 0.4, "d": 0.5})


def test_a_test_failing_only_before_adjustment_is_named_as_such():
    result = survival.cox(planted(5, reverses=False))
    result = survival.CoxResult(**{**result.__dict__, "variable_ph_p": {"owner_type": 0.04, "log_stars": 0.5}})
    statement = survival.ph_statement(result, {})
    assert survival.failing(result) == []
    assert "owner type (p = 0.04, 0.08 adjusted) falls below 0.05 before, but not after" in statement


def test_grambsch_therneau_accepts_proportional_hazards():
    data = planted(5, reverses=False)
    result = survival.cox(data)
    assert result.global_ph_p > 0.05 and survival.failing(result) == []
    assert "finds no departure" in survival.ph_statement(result, {})


def test_per_term_tests_agree_with_lifelines():
    """lifelines 0.30.3, CoxPHFitter on the same data as dummies, then
    proportional_hazard_test(time_transform="rank"): these p-values and hazard ratios."""
    rng = np.random.default_rng(11)
    n = 400
    org = rng.random(n) < 0.35
    lic = rng.choice(["none", "mit", "apache-2.0"], n, p=[0.5, 0.3, 0.2])
    stars = rng.normal(size=n)
    rate = np.exp(-0.5 * org + 0.4 * (lic == "mit") - 0.3 * stars)
    times = rng.exponential(1 / rate)
    censor = rng.uniform(0, 3, n)
    result = survival.cox(survival_frame(org, stars, np.minimum(times, censor), times <= censor, license=lic))
    rows = {r["term"]: r for r in result.table.iter_rows(named=True)}
    lifelines = {
        "owner_type: Organization": (0.502612, 0.5527727),
        "license: mit": (1.528040, 0.6779762),
        "license: apache-2.0": (0.855162, 0.4039991),
        "log_stars": (0.740370, 0.7750960),
    }
    for term, (ratio, ph_p) in lifelines.items():
        assert rows[term]["hazard_ratio"] == pytest.approx(ratio, abs=1e-4), term
        assert rows[term]["ph_p"] == pytest.approx(ph_p, abs=1e-4), term


def test_one_variable_tests_are_the_one_term_tests():
    data = planted(5, reverses=True)
    result = survival.cox(data)
    term = result.table.filter(pl.col("term") == "log_stars")["ph_p"][0]
    assert result.variable_ph_p["log_stars"] == pytest.approx(term)


def test_content_sensitivity_is_equal_when_the_rules_match_the_hand_labels():
    data = planted(6, reverses=False).with_columns(
        content_type=pl.Series(np.where(np.arange(800) % 3 == 0, "tool", "project"))
    )
    labels = data.select("id", pl.col("content_type").alias("label"))
    ratios = survival.content_sensitivity(data, labels)
    assert ratios["rules"] == pytest.approx(ratios["hand labels"])
    assert "inside the hand labels' interval" in survival.content_text(0.9, ratios)
    assert survival.content_sensitivity(data.head(15), labels) == {}  # too few events to model
    assert "too few" in survival.content_text(None, {})  # no hand-labelled repository in the snapshot


# -- LDA over seeds ----------------------------------------------------------------------------
def grid_runs(means: dict[int, float], spread: float) -> pl.DataFrame:
    """Five seeds per k at mean ± spread (the sample SD of (-2, -1, 0, 1, 2) * spread / sqrt(2.5) is spread)."""
    offsets = np.array([-2, -1, 0, 1, 2]) / np.sqrt(2.5)
    return pl.DataFrame(
        [
            {"k": k, "seed": s, "coherence": m + spread * o, "perplexity": 100.0 * k}
            for k, m in means.items()
            for s, o in enumerate(offsets)
        ]
    )


def test_one_standard_error_rule_breaks_ties_by_perplexity():
    # SE = 0.05 / sqrt(5) = 0.0224: k = 3 (0.10) and 4 (0.09) are within it of the best (k = 5, 0.11); 8 is not.
    # Perplexity (100 k) is lowest for the fewest topics among those.
    k, grid = lda.one_se_rule(grid_runs({3: 0.10, 4: 0.09, 5: 0.11, 8: 0.05}, spread=0.05))
    assert k == 3
    assert grid.filter("tied")["k"].to_list() == [3, 4, 5]
    assert grid["coherence_sd"].to_list() == pytest.approx([0.05] * 4)
    # With no spread between seeds, only the best is tied.
    k, grid = lda.one_se_rule(grid_runs({3: 0.10, 5: 0.11}, spread=0.0))
    assert k == 5 and grid.filter("tied")["k"].to_list() == [5]


def test_lda_over_seeds_finds_three_planted_topics():
    vocab = [  # more words than a topic's top terms, so that its top terms are all its own
        "kubernetes cluster helm deploy serving container docker cloud gpu ingress",
        "course lesson homework tutorial student notebook lecture exercise chapter quiz",
        "dataset label annotation image audio corpus benchmark crowd caption video",
    ]
    rows = [
        {
            "description": " ".join(np.random.default_rng(i).permutation(vocab[i % 3].split())),
            "created_at": "2021-01-01",
            "pushed_at": "2022-01-01",
        }
        for i in range(60)
    ]
    tm = lda.choose(repos_frame(rows), ks=(2, 3, 6), seeds=(1, 2))
    # Coherence cannot tell 2 topics from 3 (the third's terms drop out of every top-10; the other two stay
    # pure): perplexity breaks the tie.
    assert tm.grid.filter("tied")["k"].to_list() == [2, 3, 6]
    assert tm.k == 3
    assert tm.grid.filter(pl.col("k") == 3)["coherence"][0] == pytest.approx(1.0)  # top terms always co-occur
    assert tm.coherence == pytest.approx(1.0)


# -- clusters against binary flags ---------------------------------------------------------------
def planted_groups(seed: int = 2) -> tuple[pl.DataFrame, np.ndarray]:
    """Three tight groups planted in log stars, forks and issues (centres 4, 8 and 12), a dozen scattered
    repositories (group -1), and four random flags."""
    rng = np.random.default_rng(seed)
    groups = np.r_[np.repeat([0, 1, 2], 60), [-1] * 12]
    rows = []
    for group in groups:
        logs = 4.0 * (group + 1) + rng.normal(0, 0.3, 3) if group >= 0 else rng.uniform(3, 13, 3)
        stars, forks, issues = np.expm1(logs).astype(int)
        rows.append(
            {
                "stargazers_count": int(stars),
                "forks_count": int(forks),
                "open_issues_count": int(issues),
                **{flag: bool(rng.random() < 0.5) for flag in clusters.FLAGS},
                "created_at": "2020-01-01",
                "pushed_at": "2023-01-01",
            }
        )
    return repos_frame(rows), groups


def test_without_flags_the_planted_groups_are_found_and_flags_do_not_drive_them():
    repos, groups = planted_groups()
    planted = groups >= 0
    plain = clusters.cluster(repos, "2023-01-19", flags=False)
    found = plain.points["dbscan"].to_numpy()
    assert adjusted_rand_score(groups[planted], found[planted]) > 0.95
    # With the flags as features, DBSCAN at the knee clusters their combinations instead of the groups.
    flagged = clusters.cluster(repos, "2023-01-19")
    assert adjusted_rand_score(groups[planted], flagged.points["dbscan"].to_numpy()[planted]) < 0.2
    assert f"among the features it finds {clusters.found(flagged)} clusters" in clusters.flags_text(plain, flagged)
    assert (
        clusters.headline(plain, margin=0.3)
        == f"k-means' {plain.kmeans_k} clusters beat permuted features (silhouette +0.30)"
    )
    assert "no clusters" in clusters.headline(plain, margin=None)


def test_eps_sweep_and_silhouettes():
    repos, _ = planted_groups()
    c = clusters.cluster(repos, "2023-01-19", flags=False)
    assert c.sweep["eps"].to_list() == pytest.approx([s * c.eps for s in clusters.EPS_SCALES])
    assert c.sweep["noise_share"].to_list() == sorted(c.sweep["noise_share"].to_list(), reverse=True)
    at_knee = c.sweep.filter((pl.col("eps") - c.eps).abs() < 1e-12).row(0, named=True)
    assert at_knee["noise_share"] == pytest.approx(c.noise_share)
    assert c.silhouette_with_noise is not None and c.dbscan_silhouette is not None


# -- growth break quarters -----------------------------------------------------------------------
def test_growth_is_checked_out_of_sample_and_from_a_later_start():
    means = [3.0, 0.0, 0.0, 0.0] + [4 * 2 ** (q / 4) for q in range(28)]  # 2015 Q1 to 2022 Q4
    g = growth.fit(repos_frame(quarterly_rows(means, seed=3)), "2023-01-19")
    held = growth.out_of_sample(g)
    assert held is not None and held.predicted.height == growth.CHECKED_QUARTERS and held.within >= 3
    assert held.predicted["quarter"].to_list() == g.observed["quarter"].tail(growth.CHECKED_QUARTERS).to_list()
    assert "Out of sample" in growth.holdout_text(g, held)
    start = growth.late_start(g.observed)
    assert start is not None and (g.observed.filter(pl.col("quarter") >= start)["created"] > 0).all()
    later = growth.start_sensitivity(g)
    assert later is not None and later.observed["quarter"][0] == start
    rows = robustness.growth_rows(g)
    assert any("out of sample" in r["alternative"] for r in rows)
    assert any("after the last empty quarter" in r["alternative"] for r in rows)


def test_break_sensitivity_lists_the_chosen_break_first_at_zero():
    means = [4 * 2 ** (q / 4) for q in range(20)] + [4 * 2**5] * 12
    g = growth.fit(repos_frame(quarterly_rows(means, seed=8)), "2023-01-19")
    breaks = growth.break_sensitivity(g)
    best = breaks.filter(pl.col("delta_aic") == 0).row(0, named=True)
    assert best["break"] == g.break_quarter
    assert float(breaks["delta_aic"].to_numpy().max()) <= growth.BREAK_AIC
    assert best["before"] == pytest.approx(g.early[0]) and best["after"] == pytest.approx(g.recent[0])
    rows = robustness.growth_rows(g)
    assert all(r["model"] == "Growth" for r in rows) and any("(chosen)" in r["alternative"] for r in rows)


def test_robustness_table_names_each_model_once():
    part = [{"model": "A", "alternative": "x", "result": "1"}, {"model": "A", "alternative": "y", "result": "2"}]
    other = [{"model": "B", "alternative": "z", "result": "3"}]
    assert robustness.table(part, other)["model"].to_list() == ["A", "", "B"]
