"""Then and now: what a follow-up says about the snapshot's cohort and about the snapshot's own predictions.

- fates: the share of the cohort gone, archived, inactive and still active, with Wilson intervals;
- calibration: the Kaplan-Meier curves fitted on the snapshot alone predict, for each repository
  active at the snapshot, the chance it is inactive by the follow-up date (1 - S(a + h) / S(a), a its
  age then, h the time between); set against what happened, counting gone and archived repositories
  as inactive, overall and by owner and content type;
- key players: which of the snapshot's most-starred repositories are still maintained;
- stars: the share of all stars held by the snapshot's top 1% then and now (gone repositories hold none).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import proportion_confint

from analysis import survival
from analysis.dates import YEAR_DAYS, as_of_datetime

LEVEL = 0.95
#: The fates a share is given for; `failed` (no answer) leaves the denominator, `private` counts as gone.
FATES = ("gone", "archived", "inactive", "active")


def fates(followup: pl.DataFrame) -> pl.DataFrame:
    """fate, repos, share, low, high over the answered repositories."""
    answered = followup.filter(pl.col("status") != "failed").with_columns(
        pl.col("status").replace({"private": "gone"}).alias("fate")
    )
    n = answered.height
    rows = []
    for fate in FATES:
        k = int((answered["fate"] == fate).sum())
        low, high = proportion_confint(k, n, alpha=1 - LEVEL, method="wilson") if n else (np.nan, np.nan)
        rows.append({"fate": fate, "repos": k, "share": k / n if n else np.nan, "low": low, "high": high})
    return pl.DataFrame(rows)


def step_at(times: np.ndarray, surv: np.ndarray, t: np.ndarray) -> np.ndarray:
    """A Kaplan-Meier step function at `t` (1 before the first event, flat past the last)."""
    return np.r_[1.0, surv][np.searchsorted(times, t, side="right")]


def predicted_inactive(durations: pl.DataFrame, groups: pl.DataFrame, group: str, horizon_years: float) -> pl.DataFrame:
    """id, group, predicted: for repositories active at the snapshot, the chance of inactivity by the follow-up."""
    data = durations.join(groups.select("id", group), on="id")
    parts = []
    for name in sorted(data[group].unique().to_list()):
        part = data.filter(pl.col(group) == name)
        sf = SurvfuncRight(part["years"].to_numpy(), part["inactive"].cast(pl.Int8).to_numpy())
        active = part.filter(~pl.col("inactive"))
        age = active["years"].to_numpy()
        then = step_at(sf.surv_times, sf.surv_prob, age)
        later = step_at(sf.surv_times, sf.surv_prob, age + horizon_years)
        predicted = np.where(then > 0, 1 - later / np.where(then > 0, then, 1), 1.0)
        parts.append(pl.DataFrame({"id": active["id"], "group": [name] * active.height, "predicted": predicted}))
    return pl.concat(parts).with_columns(pl.lit(group).alias("by"))


def calibration(
    repos: pl.DataFrame, followup: pl.DataFrame, groups: pl.DataFrame, as_of: str, followed_on: str
) -> pl.DataFrame:
    """by, group, repos, predicted, observed (low, high): mean predicted against observed inactive share.

    `groups` holds id plus one column per grouping (owner_type, content_type); the row with
    by == "all" is the whole cohort, predicted from one curve.
    """
    horizon = (as_of_datetime(followed_on) - as_of_datetime(as_of)).days / YEAR_DAYS
    durations = survival.durations(repos, as_of)
    observed = followup.filter(pl.col("status") != "failed").select(
        "id", (pl.col("status") != "active").alias("observed")
    )
    everyone = groups.select("id", pl.lit("all").alias("all"))
    rows = []
    for group, table in [("all", everyone)] + [(g, groups) for g in groups.columns if g != "id"]:
        joined = predicted_inactive(durations, table, group, horizon).join(observed, on="id")
        for (name,), part in joined.group_by("group", maintain_order=True):
            k, n = int(part["observed"].sum()), part.height
            low, high = proportion_confint(k, n, alpha=1 - LEVEL, method="wilson")
            rows.append(
                {
                    "by": group,
                    "group": name,
                    "repos": n,
                    "predicted": float(np.mean(part["predicted"].to_numpy())),
                    "observed": k / n,
                    "low": low,
                    "high": high,
                }
            )
    return pl.DataFrame(rows).sort("by", "group")


def still_maintained(key: pl.DataFrame, repos: pl.DataFrame, followup: pl.DataFrame) -> pl.DataFrame:
    """The key repositories (`players.key_repositories`) with their status at the follow-up."""
    status = repos.select("id", pl.col("full_name").alias("repository")).join(
        followup.select("id", "status", "name_now"), on="id"
    )
    return key.select("repository", "stars").join(status.drop("id"), on="repository", how="left")


def top_share(repos: pl.DataFrame, followup: pl.DataFrame, top: float = 0.01) -> tuple[float, float, int]:
    """The share of all stars held by the snapshot's top `top` of repositories, then and now; and how many."""
    ranked = repos.sort(["stargazers_count", "id"], descending=[True, False])
    k = max(1, int(np.ceil(top * ranked.height)))
    leaders = set(ranked.head(k)["id"].to_list())
    now = repos.select("id").join(followup.select("id", "stars"), on="id", how="left").fill_null(0)
    then_total, now_total = int(repos["stargazers_count"].sum()), int(now["stars"].sum())
    then = int(ranked.head(k)["stargazers_count"].sum()) / then_total if then_total else np.nan
    later = int(now.filter(pl.col("id").is_in(leaders))["stars"].sum()) / now_total if now_total else np.nan
    return then, later, k
