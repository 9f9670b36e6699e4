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

from collections.abc import Callable

import numpy as np
import polars as pl
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import proportion_confint

from analysis import survival, tables
from analysis.dates import YEAR_DAYS, as_of_datetime, span

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
        if durations.filter(~pl.col("inactive")).is_empty():
            break
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
    schema = {"by": pl.String, "group": pl.String, "repos": pl.Int64}
    schema |= {c: pl.Float64 for c in ("predicted", "observed", "low", "high")}
    return pl.DataFrame(rows, schema=schema).sort("by", "group")


def still_maintained(key: pl.DataFrame, repos: pl.DataFrame, followup: pl.DataFrame) -> pl.DataFrame:
    """The key repositories (`players.key_repositories`) with their status at the follow-up."""
    status = repos.select("id", pl.col("full_name").alias("repository")).join(
        followup.select("id", "status", "name_now"), on="id"
    )
    return key.select("repository", "stars").join(status.drop("id"), on="repository", how="left")


def top_share(repos: pl.DataFrame, followup: pl.DataFrame, top: float = 0.01) -> tuple[float, float, int]:
    """The share of all stars held by the snapshot's top `top` of repositories, then and now; and how many."""
    ranked = repos.sort(["stargazers_count", "id"], descending=[True, False])
    k = max(1, int(top * ranked.height))  # as `eda.star_summary` counts the top 1%
    leaders = set(ranked.head(k)["id"].to_list())
    now = repos.select("id").join(followup.select("id", "stars"), on="id", how="left").fill_null(0)
    then_total, now_total = int(repos["stargazers_count"].sum()), int(now["stars"].sum())
    then = int(ranked.head(k)["stargazers_count"].sum()) / then_total if then_total else np.nan
    later = int(now.filter(pl.col("id").is_in(leaders))["stars"].sum()) / now_total if now_total else np.nan
    return then, later, k


#: The deck's bullets of a follow-up, one fact each: a Markdown list inside a fact reaches the slide as one line.
FOLLOWUP_BULLETS = ("followup_fates", "followup_calibration", "followup_players", "followup_stars")
#: What the documents say when the snapshot has no follow-up: how to make one, and nothing else.
NO_FOLLOWUP = (
    "No follow-up of this snapshot has been recorded: with a GitHub token, make follow SNAPSHOT=DIR asks GitHub"
    " what became of each of its repositories, and make report then fills this section."
)


pct = tables.prose_percent


def interval(row: dict) -> str:
    return f"{pct(row['share'] if 'share' in row else row['observed'])} ({pct(row['low'])} to {pct(row['high'])})"


#: Groups as prose names them; content types are named as they are.
NAMES = {"all": "the whole cohort", "Organization": "organisations", "User": "users"}


def groups_sentence(table: pl.DataFrame, by: str) -> str:
    """`predicted p, observed o (low to high)` per group of one grouping."""
    rows = table.filter(pl.col("by") == by).iter_rows(named=True)
    return "; ".join(
        f"{NAMES.get(r['group'], r['group'])} {pct(r['predicted'])} predicted, {interval(r)} observed" for r in rows
    )


def verdict(table: pl.DataFrame) -> str:
    """Which groups' observed share falls outside its interval around the prediction, said plainly."""
    off = table.filter((pl.col("predicted") < pl.col("low")) | (pl.col("predicted") > pl.col("high")))
    if off.is_empty():
        return "Every prediction lies in the 95% interval of what was observed: the snapshot's curves were calibrated."
    under = [NAMES.get(g, g) for g in off.filter(pl.col("predicted") < pl.col("low"))["group"]]
    over = [NAMES.get(g, g) for g in off.filter(pl.col("predicted") > pl.col("high"))["group"]]
    parts = [f"underestimated inactivity for {', '.join(under)}"] * bool(under)
    parts += [f"overestimated it for {', '.join(over)}"] * bool(over)
    return f"The snapshot's curves {' and '.join(parts)} (the prediction outside the observed 95% interval)."


def tail_sentence(repos: pl.DataFrame, as_of: str, horizon_years: float) -> str:
    """How many predictions reach past the longest duration the snapshot saw end, where its curves are flat."""
    durations = survival.durations(repos, as_of)
    ended = durations.filter(pl.col("inactive"))["years"]
    longest = float(ended.max()) if ended.len() else 0.0  # type: ignore[arg-type]
    active = durations.filter(~pl.col("inactive"))
    beyond = int((active["years"] + horizon_years > longest).sum())
    return (
        f"For {beyond:,} of the {active.height:,} the follow-up lies past the longest time to inactivity the"
        f" snapshot observed ({longest:.1f} years), where its curves stay flat: their predictions are lower bounds."
    )


def facts(
    repos: pl.DataFrame,
    followup: pl.DataFrame | None,
    as_of: str,
    followed_on: str | None,
    groups: pl.DataFrame,
    key: Callable[[], pl.DataFrame],
) -> dict[str, str]:
    """The "Where are they now" section, for the paper (a few paragraphs), the site (a list) and the deck (a
    title, empty when there is no follow-up, which hides the slide, and one fact per bullet).

    `groups` holds id, owner_type and content_type; `key` makes the key repositories of the
    snapshot (only when there is a follow-up to set them against).
    """
    if followup is None or followed_on is None:
        return {"followup_paper": NO_FOLLOWUP, "followup_slide": NO_FOLLOWUP, "followup_headline": ""} | dict.fromkeys(
            FOLLOWUP_BULLETS, ""
        )
    shares = {r["fate"]: r for r in fates(followup).iter_rows(named=True)}
    answered = followup.filter(pl.col("status") != "failed")
    days = (as_of_datetime(followed_on) - as_of_datetime(as_of)).days
    years = days / YEAR_DAYS
    failed = followup.height - answered.height
    renamed, moved = int(answered["renamed"].sum() or 0), int(answered["transferred"].sum() or 0)
    dropped = int((~answered["study_topics_kept"].fill_null(True)).sum())
    fate_text = (
        f"{interval(shares['gone'])} of them are gone (deleted, or made private), {interval(shares['archived'])}"
        f" archived, {interval(shares['inactive'])} inactive (no push in the year before the follow-up) and"
        f" {interval(shares['active'])} still active (95% Wilson intervals)."
    )
    cohort = (
        f"A follow-up on {followed_on}, {span(days)} after the snapshot, asked GitHub about each of its"
        f" {followup.height:,} repositories" + (f" ({failed:,} could not be answered)" if failed else "") + "."
    )
    identity = (
        f"{renamed:,} were renamed and {moved:,} moved to another owner; {dropped:,} no longer carry the topic"
        " that selected them."
    )
    table = calibration(repos, followup, groups, as_of, followed_on)
    if table.is_empty():
        calibrated = "No repository was active at the snapshot, so its survival curves predicted nothing to check."
        calibrated_short = calibrated
    else:
        everyone = table.filter(pl.col("by") == "all").row(0, named=True)
        calibrated = (
            f"The Kaplan–Meier curves fitted on the snapshot alone predicted that {pct(everyone['predicted'])} of the"
            f" {everyone['repos']:,} repositories active at the snapshot would be inactive by the follow-up date"
            f" (counting gone and archived ones); {interval(everyone)} were. By owner: "
            + groups_sentence(table, "owner_type")
            + ". By content type: "
            + groups_sentence(table, "content_type")
            + ". "
            + verdict(table)
            + " "
            + tail_sentence(repos, as_of, years)
        )
        calibrated_short = (
            f"Inactive by now, of those active then: {pct(everyone['predicted'])} predicted from the snapshot,"
            f" {interval(everyone)} observed"
        )
    players = still_maintained(key(), repos, followup)
    kept = players.filter(pl.col("status") == "active")
    others = players.filter(pl.col("status") != "active")
    lost = ", ".join(f"{r['repository']} ({r['status'] or 'not answered'})" for r in others.iter_rows(named=True))
    maintained = f"Of the {players.height} most-starred repositories of {as_of}, {kept.height} are still maintained" + (
        f"; not so {lost}." if lost else "."
    )
    then, now, k = top_share(repos, followup)
    trend = "more concentrated" if now > then else "less concentrated" if now < then else "as concentrated"
    stars = (
        f"The {k:,} repositories that were the top 1% by stars held {pct(then)} of the cohort's stars then and"
        f" {pct(now)} now: attention is {trend} than it was."
    )
    paper = "\n\n".join([f"{cohort} {fate_text} {identity}", calibrated, f"{maintained} {stars}"])
    bullets = {
        "followup_fates": f"{followed_on}, {span(days)} on: {pct(shares['gone']['share'])} gone,"
        f" {pct(shares['archived']['share'])} archived, {pct(shares['inactive']['share'])} inactive,"
        f" {pct(shares['active']['share'])} active",
        "followup_calibration": calibrated_short,
        "followup_players": f"Key players still maintained: {kept.height} of {players.height}",
        "followup_stars": f"Top 1% star share: {pct(then)} then, {pct(now)} now",
    }
    slide = "\n".join(f"- {text}" for text in bullets.values())
    headline = (
        f"{span(days).capitalize()} on, {pct(shares['active']['share'])} are still active and"
        f" {pct(shares['gone']['share'])} gone"
    )
    return {"followup_paper": paper, "followup_slide": slide, "followup_headline": headline, **bullets}
