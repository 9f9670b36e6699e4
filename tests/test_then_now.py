"""Then and now on planted cohorts: the fates, the calibration of the snapshot's Kaplan-Meier curves, the stars."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from analysis import then_now
from analysis.dates import YEAR_DAYS

AS_OF, FOLLOWED_ON = "2023-01-19", "2026-01-19"
RATES = {"User": 0.6, "Organization": 0.2}  # planted hazard of going quiet, per year of activity
GAP = 365 / YEAR_DAYS  # a year without a push makes a repository inactive


def cohort(n: int, seed: int = 1, resurrect: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Repositories created 2015-2023 that stay pushed to for an exponential time (rate by owner type).

    The follow-up sees the same lives continued to FOLLOWED_ON; with `resurrect`, every
    repository is pushed to again just before it (a world the snapshot cannot predict).
    """
    rng = np.random.default_rng(seed)
    as_of = dt.datetime.fromisoformat(AS_OF).replace(tzinfo=dt.UTC)
    followed_on = dt.datetime.fromisoformat(FOLLOWED_ON).replace(tzinfo=dt.UTC)
    first = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    rows, now = [], []
    for i in range(n):
        owner = "User" if i % 2 else "Organization"
        created = first + (as_of - first) * rng.random()
        last_push = created + dt.timedelta(days=rng.exponential(1 / RATES[owner]) * YEAR_DAYS)
        pushed_then = min(last_push, as_of - dt.timedelta(hours=1))
        pushed_now = followed_on - dt.timedelta(days=1) if resurrect else min(last_push, followed_on)
        rows.append(
            {
                "id": i,
                "full_name": f"o{i}/r{i}",
                "owner_type": owner,
                "created_at": created,
                "pushed_at": pushed_then,
                "stargazers_count": int(rng.pareto(1.2) * 10),
            }
        )
        inactive = (followed_on - pushed_now).days > 365
        now.append({"id": i, "status": "inactive" if inactive else "active", "stars": 0})
    return pl.DataFrame(rows), pl.DataFrame(now)


def planted_probability(age: float, rate: float, horizon: float) -> float:
    """The true chance that a repository active at age `age` is inactive `horizon` years later."""

    def surviving(t: float) -> float:
        return 1.0 if t <= GAP else math.exp(-rate * (t - GAP))

    return 1 - surviving(age + horizon) / surviving(age)


@pytest.fixture(scope="module")
def planted() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    repos, followup = cohort(6000)
    groups = repos.select("id", "owner_type")
    return repos, followup, then_now.calibration(repos, followup, groups, AS_OF, FOLLOWED_ON)


def test_calibration_recovers_the_planted_inactivity(planted):
    repos, _, table = planted
    horizon = (dt.date.fromisoformat(FOLLOWED_ON) - dt.date.fromisoformat(AS_OF)).days / YEAR_DAYS
    as_of = dt.datetime.fromisoformat(AS_OF).replace(tzinfo=dt.UTC)
    for owner, rate in RATES.items():
        active = repos.filter(
            (pl.col("owner_type") == owner) & ((as_of - pl.col("pushed_at")) <= dt.timedelta(days=365))
        )
        ages = ((as_of - active["created_at"]).dt.total_seconds() / (YEAR_DAYS * 86400)).to_list()
        truth = float(np.mean([planted_probability(a, rate, horizon) for a in ages]))
        row = table.filter((pl.col("by") == "owner_type") & (pl.col("group") == owner)).row(0, named=True)
        assert row["repos"] == active.height
        assert abs(row["predicted"] - truth) < 0.03, (owner, row, truth)
        assert abs(row["observed"] - truth) < 0.04, (owner, row, truth)
        assert row["low"] < row["observed"] < row["high"]
    users, orgs = (table.filter(pl.col("group") == g).row(0, named=True) for g in ("User", "Organization"))
    assert users["predicted"] > orgs["predicted"] + 0.2, "the faster planted hazard predicts more inactivity"


def test_calibration_shows_a_world_the_snapshot_did_not_predict():
    repos, followup = cohort(2000, seed=2, resurrect=True)
    table = then_now.calibration(repos, followup, repos.select("id", "owner_type"), AS_OF, FOLLOWED_ON)
    overall = table.filter(pl.col("by") == "all").row(0, named=True)
    assert overall["observed"] == 0 and overall["predicted"] > 0.4


def test_fates_with_wilson_intervals():
    statuses = ["gone"] * 10 + ["private"] * 5 + ["archived"] * 15 + ["inactive"] * 30 + ["active"] * 40
    followup = pl.DataFrame({"id": range(101), "status": [*statuses, "failed"]})
    shares = {r["fate"]: r for r in then_now.fates(followup).iter_rows(named=True)}
    assert {f: shares[f]["repos"] for f in then_now.FATES} == {"gone": 15, "archived": 15, "inactive": 30, "active": 40}
    assert shares["active"]["share"] == 0.4
    z, p, n = 1.959964, 0.4, 100  # Wilson's interval by hand
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert shares["active"]["low"] == pytest.approx(centre - half, abs=1e-5)
    assert shares["active"]["high"] == pytest.approx(centre + half, abs=1e-5)


def test_top_share_then_and_now():
    repos = pl.DataFrame({"id": range(200), "stargazers_count": [1000, 500] + [10] * 198})
    # now: the two leaders hold 100 and gone (no row); the rest have grown to 20 each
    followup = pl.DataFrame({"id": [0] + list(range(2, 200)), "stars": [100] + [20] * 198})
    then, now, k = then_now.top_share(repos, followup)
    assert k == 2
    assert then == pytest.approx(1500 / (1500 + 1980))
    assert now == pytest.approx(100 / (100 + 3960))


def test_key_players_still_maintained():
    repos = pl.DataFrame({"id": [1, 2, 3], "full_name": ["a/x", "b/y", "c/z"]})
    key = pl.DataFrame({"repository": ["a/x", "b/y", "c/z"], "stars": [30, 20, 10]})
    followup = pl.DataFrame(
        {"id": [1, 2, 3], "status": ["active", "archived", "gone"], "name_now": ["a/x", "b/y", None]}
    )
    table = then_now.still_maintained(key, repos, followup)
    assert table["status"].to_list() == ["active", "archived", "gone"]


def test_predictions_past_the_observed_tail_are_counted():
    """One repository went quiet at 4 years; of two active ones, only the 5-year-old is taken past 4 by 2 years."""
    utc = dt.UTC
    repos = pl.DataFrame(
        {
            "id": [1, 2, 3],
            "created_at": [
                dt.datetime(2015, 1, 19, tzinfo=utc),
                dt.datetime(2022, 1, 19, tzinfo=utc),
                dt.datetime(2018, 1, 19, tzinfo=utc),
            ],
            "pushed_at": [
                dt.datetime(2018, 1, 19, tzinfo=utc),
                dt.datetime(2023, 1, 1, tzinfo=utc),
                dt.datetime(2023, 1, 10, tzinfo=utc),
            ],
        }
    )
    sentence = then_now.tail_sentence(repos, AS_OF, 2.0)
    assert sentence.startswith("For 1 of the 2 ") and "(4.0 years)" in sentence
