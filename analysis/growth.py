"""How fast is the ecosystem growing? Count models of repositories created per quarter.

One exponential trend does not fit the recorded snapshot (counts flatten after 2021), so
three negative-binomial (NB2) count models, each with log E[count] linear in its terms
and t in years, are compared by AIC, and the lowest wins:
- exponential: a + b t (constant growth);
- decelerating: a + b t + c t^2 (growth that slows or reverses smoothly);
- segmented: a + b t + c max(t - tau, 0), a change of slope at the quarter tau that fits
  best (tau costs one more parameter in the AIC).
Each is fitted with statsmodels' discrete NegativeBinomial (dispersion by maximum
likelihood). Growth over a year is the ratio of fitted means a year apart, a linear
contrast of the coefficients, so its interval comes from the coefficients' covariance.
The chosen model is checked against the last four observed quarters: each must lie
within its 95% predictive interval (NB quantiles at the ends of the mean's interval).
The quarter holding the snapshot date is incomplete and left out.

Bias: a capped snapshot keeps the best matches; every match it did not return could at
most add to one year's count, which `yearly` bounds. Repositories deleted or untagged
before the snapshot are invisible (survivorship), which the data cannot measure.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial, Poisson
from statsmodels.genmod.families import Poisson as PoissonFamily
from statsmodels.genmod.generalized_linear_model import GLM

from analysis import scalars, tables
from analysis.fingerprint import cached

LEVEL = 0.95
CHECKED_QUARTERS = 4
#: Growth above this (1,000% a year) is written as "over 1,000%"; log-ratios are clipped at LOG_CAP.
RATE_CAP = 10.0
LOG_CAP = 20.0
#: Fewer quarters or repositories than this cannot support a model with a change of slope.
MIN_QUARTERS = 8
MIN_REPOS = 30


@dataclass(frozen=True)
class Fit:
    """One candidate model fitted to the quarterly counts."""

    model: str
    aic: float
    terms: np.ndarray  # design matrix (without the dispersion)
    params: np.ndarray  # coefficients, then alpha
    cov: np.ndarray
    alpha: float
    breakpoint: float | None = None  # t of the change of slope (segmented)

    def growth(self, t: float) -> tuple[float, float, float]:
        """Yearly growth (fitted mean at t over a year before), with its interval."""
        contrast = self.row(t) - self.row(t - 1)
        estimate = float(contrast @ self.params[:-1])
        se = math.sqrt(float(contrast @ self.cov[:-1, :-1] @ contrast))
        z = stats.norm.ppf(0.5 + LEVEL / 2)
        # A slope fitted to a run of empty quarters can be huge; clipping keeps its growth finite.
        mid, low, high = (math.expm1(min(x, LOG_CAP)) for x in (estimate, estimate - z * se, estimate + z * se))
        return mid, low, high

    def row(self, t: float) -> np.ndarray:
        return design(np.array([t]), self.model, self.breakpoint)[0]


@dataclass(frozen=True)
class Growth:
    candidates: pl.DataFrame  # model, parameters, aic, delta_aic
    chosen: Fit
    exponential: Fit
    observed: pl.DataFrame  # quarter (date), t (years), created
    fitted: pl.DataFrame  # quarter, model, fit, low, high, predict_low, predict_high
    recent_within: int  # of the last CHECKED_QUARTERS observed quarters, how many lie in the predictive interval
    break_quarter: str | None  # e.g. "2021 Q2", the first quarter on the segmented model's new slope
    early: tuple[float, float, float]  # yearly growth at the start of the chosen model's data
    recent: tuple[float, float, float]  # yearly growth over the last observed year


def quarterly(repos: pl.DataFrame, as_of: str) -> pl.DataFrame:
    """Repositories created per calendar quarter, zero-filled, without the snapshot's quarter."""
    counts = (
        repos.select(pl.col("created_at").dt.truncate("1q").dt.date().alias("quarter"))
        .group_by("quarter")
        .agg(pl.len().alias("created"))
    )
    last = pl.Series([as_of]).str.to_date().dt.truncate("1q")[0]
    first = scalars.day(counts["quarter"].min())
    quarters = pl.date_range(first, last, "1q", eager=True, closed="left").alias("quarter")
    start = quarters[0]
    return (
        pl.DataFrame(quarters)
        .join(counts, on="quarter", how="left")
        .with_columns(
            pl.col("created").fill_null(0), ((pl.col("quarter") - pl.lit(start)).dt.total_days() / 365.25).alias("t")
        )
    )


def shortfall(repos: pl.DataFrame, as_of: str) -> str | None:
    """Why this snapshot cannot support the growth models, in one sentence; None if it can."""
    if repos.height < MIN_REPOS:
        return f"Growth is not modelled: the snapshot holds {repos.height} repositories, fewer than {MIN_REPOS}."
    quarters = quarterly(repos, as_of).height
    if quarters < MIN_QUARTERS:
        return f"Growth is not modelled: the repositories span {quarters} complete quarters, fewer than {MIN_QUARTERS}."
    return None


def design(t: np.ndarray, model: str, breakpoint: float | None = None) -> np.ndarray:
    columns = [np.ones_like(t), t]
    if model == "decelerating":
        columns.append(t**2)
    elif model == "segmented":
        columns.append(np.maximum(t - breakpoint, 0.0))
    return np.column_stack(columns)


def fit_one(y: np.ndarray, t: np.ndarray, model: str, breakpoint: float | None = None) -> Fit:
    """One candidate by maximum likelihood: negative binomial, or Poisson when the counts show no
    over-dispersion (the NB dispersion then sits at zero, where its covariance is undefined).
    Breaks tried near the ends can fit badly and warn; they lose on AIC, so warnings are silenced."""
    X = design(t, model, breakpoint)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        # Start from the Poisson fit: the default start fails to converge on the quadratic's scale.
        start = np.r_[GLM(y, X, family=PoissonFamily()).fit().params, 0.1]
        result = NegativeBinomial(y, X).fit(start_params=start, method="bfgs", disp=0, maxiter=1000)
        cov = result.normalized_cov_params
        if result.params[-1] < 1e-4 or cov is None or not np.all(np.isfinite(cov)):
            result = Poisson(y, X).fit(start_params=start[:-1], disp=0, maxiter=1000)
            cov = np.pad(np.asarray(result.cov_params()), ((0, 1), (0, 1)))
    params = np.asarray(result.params) if len(result.params) > X.shape[1] else np.r_[result.params, 0.0]
    extra = 2 if breakpoint is not None else 0  # the break's position is estimated too
    return Fit(
        model=model,
        aic=float(result.aic) + extra,
        terms=X,
        params=params,
        cov=np.asarray(cov),
        alpha=float(params[-1]),
        breakpoint=breakpoint,
    )


def segmented_fits(y: np.ndarray, t: np.ndarray) -> list[Fit]:
    """The segmented model with its change of slope at each quarter that leaves at least 3 on each side."""
    return [fit_one(y, t, "segmented", tau) for tau in t[3:-3]]


def segmented(y: np.ndarray, t: np.ndarray) -> Fit:
    """The change of slope at the quarter with the lowest AIC."""
    return min(segmented_fits(y, t), key=lambda f: f.aic)


def band(f: Fit, terms: np.ndarray | None = None) -> pl.DataFrame:
    """Fitted mean with its confidence interval, and the predictive interval for a new count, at the fitted
    quarters or at `terms` (the design rows of other quarters)."""
    terms = f.terms if terms is None else terms
    eta = terms @ f.params[:-1]
    se = np.sqrt(np.einsum("ij,jk,ik->i", terms, f.cov[:-1, :-1], terms))
    z = stats.norm.ppf(0.5 + LEVEL / 2)
    mean, low, high = np.exp(eta), np.exp(eta - z * se), np.exp(eta + z * se)
    tail = (1 - LEVEL) / 2
    if f.alpha > 0:
        size = 1 / f.alpha
        predict = (
            stats.nbinom.ppf(tail, size, size / (size + low)),
            stats.nbinom.ppf(1 - tail, size, size / (size + high)),
        )
    else:
        predict = stats.poisson.ppf(tail, low), stats.poisson.ppf(1 - tail, high)
    return pl.DataFrame(
        {
            "model": [f.model] * len(eta),
            "fit": mean,
            "low": low,
            "high": high,
            "predict_low": predict[0],
            "predict_high": predict[1],
        }
    )


def fit(repos: pl.DataFrame, as_of: str) -> Growth:
    """Compare the candidate models by AIC and describe the chosen one (check `shortfall` first)."""
    return fit_quarters(quarterly(repos, as_of))


@cached
def fit_quarters(observed: pl.DataFrame) -> Growth:
    """`fit` on given quarterly counts (quarter, t, created); cached on disk, because the facts and notebook 03
    fit the same counts, and the robustness checks refit parts of them."""
    y, t = observed["created"].to_numpy().astype(float), observed["t"].to_numpy()
    fits = [fit_one(y, t, "exponential"), fit_one(y, t, "decelerating"), segmented(y, t)]
    chosen = min(fits, key=lambda f: f.aic)
    best = chosen.aic
    candidates = pl.DataFrame(
        {
            "model": [f.model for f in fits],
            "parameters": [f.terms.shape[1] + 1 + (f.breakpoint is not None) for f in fits],
            "aic": [f.aic for f in fits],
            "delta_aic": [f.aic - best for f in fits],
        }
    )
    shown = {chosen.model: chosen, "exponential": fits[0]}.values()
    fitted = pl.concat([observed.select("quarter").hstack(band(f)) for f in shown])
    last = observed.tail(CHECKED_QUARTERS).join(fitted.filter(pl.col("model") == chosen.model), on="quarter")
    break_quarter = None
    if chosen.breakpoint is not None:
        break_quarter = quarter_name(observed.filter(pl.col("t") == chosen.breakpoint)["quarter"][0])
    start = chosen.breakpoint - 1 if chosen.breakpoint is not None else float(t[0]) + 1
    return Growth(
        candidates=candidates,
        chosen=chosen,
        exponential=fits[0],
        observed=observed,
        fitted=fitted,
        recent_within=within(last),
        break_quarter=break_quarter,
        early=chosen.growth(start),
        recent=chosen.growth(float(t[-1])),
    )


def within(counts: pl.DataFrame) -> int:
    """How many observed counts lie within their predictive interval."""
    return int(counts.filter(pl.col("created").is_between(pl.col("predict_low"), pl.col("predict_high"))).height)


@dataclass(frozen=True)
class Holdout:
    """The models fitted without the last CHECKED_QUARTERS quarters, and how many of those they predict."""

    last_fitted: str  # e.g. "2021 Q4"
    model: str  # the model AIC chooses on the shorter series
    predicted: pl.DataFrame  # quarter, created, fit, predict_low, predict_high
    within: int


def out_of_sample(trend: Growth) -> Holdout | None:
    """Choose and fit the models on all but the last CHECKED_QUARTERS quarters, and predict those: the check of
    `fit` out of sample. None when too few quarters are left to fit."""
    observed = trend.observed
    train = observed.head(observed.height - CHECKED_QUARTERS)
    if train.height < MIN_QUARTERS:
        return None
    earlier = fit_quarters(train).chosen
    test = observed.tail(CHECKED_QUARTERS)
    predicted = test.hstack(band(earlier, design(test["t"].to_numpy(), earlier.model, earlier.breakpoint)))
    return Holdout(
        last_fitted=quarter_name(train["quarter"][-1]),
        model=earlier.model,
        predicted=predicted.select("quarter", "created", "fit", "predict_low", "predict_high"),
        within=within(predicted),
    )


def holdout_text(trend: Growth, held: Holdout | None) -> str:
    """The in-sample check beside the out-of-sample one, in one sentence."""
    inside = (
        f"In sample, the chosen model's 95% predictive interval holds {trend.recent_within} of the last"
        f" {CHECKED_QUARTERS} observed quarters"
    )
    if held is None:
        return f"{inside}; too few quarters precede them to check it out of sample."
    return (
        f"{inside}. Out of sample, the model AIC chooses on the quarters up to {held.last_fitted} alone"
        f" ({held.model}) holds {held.within} of those {CHECKED_QUARTERS} within its 95% predictive interval."
    )


def late_start(observed: pl.DataFrame) -> date | None:
    """The first quarter after the last empty one, where a series starts without a run of near-empty quarters;
    None when no quarter is empty."""
    empty = observed.filter(pl.col("created") == 0)
    if empty.is_empty():
        return None
    later = observed.filter(pl.col("quarter") > empty["quarter"][-1])
    return None if later.is_empty() else scalars.day(later["quarter"][0])


def start_sensitivity(trend: Growth) -> Growth | None:
    """The models again on the quarters from `late_start`: how far the choice rests on the early, sparse
    quarters. None when no quarter is empty or too few quarters follow the last empty one."""
    start = late_start(trend.observed)
    if start is None:
        return None
    later = trend.observed.filter(pl.col("quarter") >= start)
    return fit_quarters(later) if later.height >= MIN_QUARTERS else None


def quarter_name(q: date) -> str:
    return f"{q.year} Q{(q.month - 1) // 3 + 1}"


#: Breaks whose AIC is within this of the best are shown as reasonable alternatives.
BREAK_AIC = 2.0


def break_sensitivity(trend: Growth) -> pl.DataFrame:
    """Each break quarter within BREAK_AIC of the best: its AIC above the best, and the yearly growth
    before and after it, so a reader sees how much the segmented model's story rests on one quarter."""
    y, t = trend.observed["created"].to_numpy().astype(float), trend.observed["t"].to_numpy()
    fits = segmented_fits(y, t)
    best = min(f.aic for f in fits)
    quarters = dict(zip(t.tolist(), trend.observed["quarter"].to_list(), strict=True))
    return pl.DataFrame(
        [
            {
                "break": quarter_name(quarters[f.breakpoint]),
                "delta_aic": f.aic - best,
                "before": f.growth(f.breakpoint - 1)[0],
                "after": f.growth(float(t[-1]))[0],
            }
            for f in fits
            if f.aic - best <= BREAK_AIC and f.breakpoint is not None
        ]
    )


def yearly(growth: Growth, missing: int) -> pl.DataFrame:
    """Per complete calendar year: repositories created with an exact Poisson interval, the most
    the `missing` matches (never returned by a capped search) could add, and each model's expectation."""
    fitted = growth.fitted.pivot(on="model", index="quarter", values="fit")
    data = growth.observed.join(fitted, on="quarter").with_columns(pl.col("quarter").dt.year().alias("year"))
    per_year = data.group_by("year").agg(
        pl.len().alias("quarters"),
        pl.col("created").sum(),
        *(pl.col(m).sum() for m in fitted.columns if m != "quarter"),
    )
    per_year = per_year.filter(pl.col("quarters") == 4).drop("quarters").sort("year")
    tail = (1 - LEVEL) / 2
    n = per_year["created"].to_numpy()
    return per_year.with_columns(
        pl.Series("low", np.where(n > 0, stats.chi2.ppf(tail, 2 * n) / 2, 0.0)),
        pl.Series("high", stats.chi2.ppf(1 - tail, 2 * n + 2) / 2),
        (pl.col("created") + missing).alias("with_missing"),
    )


def percent(x: float) -> str:
    """A yearly growth for prose, "over 1,000%" beyond RATE_CAP."""
    return tables.percent(x) if x <= RATE_CAP else f"over {tables.percent(RATE_CAP)}"


def rate(estimate: tuple[float, float, float]) -> str:
    """Yearly growth with its interval, for prose: "160% a year (95% CI 135% to 187%)"."""
    value, low, high = (percent(x) for x in estimate)
    return f"{value} a year (95% CI {low} to {high})"


def is_flat(estimate: tuple[float, float, float]) -> bool:
    return estimate[1] <= 0 <= estimate[2]


def summary(trend: Growth) -> str:
    """What the chosen model says, in one sentence."""
    if trend.break_quarter is not None:
        since = "and have been flat since" if is_flat(trend.recent) else "and have grown since by"
        return (
            f"New repositories grew by {rate(trend.early)} until {trend.break_quarter}, {since}: {rate(trend.recent)}."
        )
    if trend.chosen.model == "exponential":
        return f"On one exponential trend, new repositories grew by {rate(trend.recent)}."
    return (
        f"On a {trend.chosen.model} trend, new repositories grew by {rate(trend.early)} at the start of the data"
        f" and by {rate(trend.recent)} over its last year."
    )


def headline(trend: Growth) -> str:
    """The summary in a slide title's few words."""
    if trend.break_quarter is not None:
        after = "flat since" if is_flat(trend.recent) else f"{percent(trend.recent[0])} a year since"
        return f"{percent(trend.early[0])} a year until {trend.break_quarter}, {after}"
    return f"{percent(trend.recent[0])} a year over the last year"


def choice(trend: Growth) -> str:
    """How the model was chosen and how it fits the last quarters, in two sentences."""
    others = trend.candidates.filter(pl.col("delta_aic") > 0).sort("delta_aic")
    margins = " and ".join(f"{d:.1f} for the {m} one" for m, d in others.select("model", "delta_aic").iter_rows())
    return (
        f"Of an exponential, a decelerating and a segmented trend, AIC chooses the {trend.chosen.model} one"
        f" (AIC higher by {margins}). {holdout_text(trend, out_of_sample(trend))}"
    )


def cap_check(years: pl.DataFrame, missing: int) -> str:
    """Whether the matches the search never returned could explain the last year's shortfall
    against one exponential trend."""
    last = years.row(-1, named=True)
    gap = last["exponential"] - last["created"]
    if gap <= 0:
        return (
            f"In {last['year']}, {last['created']:,} repositories were returned,"
            " no fewer than one exponential trend expects."
        )
    verdict = "more than" if gap > missing else "no more than"
    return (
        f"One exponential trend expects {last['exponential']:,.0f} repositories created in {last['year']};"
        f" {last['created']:,} were returned, {gap:,.0f} fewer, {verdict} the {missing:,} matches the search"
        f" never returned{', so the cap cannot explain it' if gap > missing else ''}."
    )
