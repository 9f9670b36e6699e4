"""How fast is the ecosystem growing? A count GLM of repositories created per quarter.

Poisson if the counts are not over-dispersed (Pearson chi-squared / df <= 1.5), else
negative binomial (NB2, dispersion by maximum likelihood). log E[count] = a + b * t,
with t in years, so yearly growth is exp(b) - 1 and the doubling time ln 2 / b.
The quarter holding the snapshot date is incomplete and left out.

Bias: a capped snapshot (the recorded one holds the 1,000 best matches of 1,103) keeps
best-match results, which favour popular, active, and therefore mostly recent
repositories; older, quieter ones are the likeliest to be missing, which overstates
growth. Repositories deleted or untagged before the snapshot are invisible too
(survivorship), which also overstates growth.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl
import statsmodels.api as sm

OVERDISPERSION = 1.5
LEVEL = 0.95


@dataclass(frozen=True)
class Growth:
    family: str
    dispersion: float  # Pearson chi2 / df of the Poisson fit
    yearly_growth: float
    yearly_growth_ci: tuple[float, float]
    doubling_years: float
    doubling_years_ci: tuple[float, float]
    observed: pl.DataFrame  # quarter (date), t (years), created
    fitted: pl.DataFrame  # quarter, fit, low, high


def quarterly(repos: pl.DataFrame, as_of: str) -> pl.DataFrame:
    """Repositories created per calendar quarter, zero-filled, without the snapshot's quarter."""
    counts = (
        repos.select(pl.col("created_at").dt.truncate("1q").dt.date().alias("quarter"))
        .group_by("quarter").agg(pl.len().alias("created"))
    )
    last = pl.Series([as_of]).str.to_date().dt.truncate("1q")[0]
    quarters = pl.date_range(counts["quarter"].min(), last, "1q", eager=True, closed="left").alias("quarter")
    start = quarters[0]
    return (
        pl.DataFrame(quarters).join(counts, on="quarter", how="left")
        .with_columns(pl.col("created").fill_null(0),
                      ((pl.col("quarter") - pl.lit(start)).dt.total_days() / 365.25).alias("t"))
    )


def fit(repos: pl.DataFrame, as_of: str, since: str | None = None) -> Growth:
    """Fit the growth model (optionally only on quarters from `since`)."""
    observed = quarterly(repos, as_of)
    data = observed if since is None else observed.filter(pl.col("quarter") >= pl.lit(since).str.to_date())
    y = data["created"].to_numpy()
    X = sm.add_constant(data["t"].to_numpy())
    poisson = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    dispersion = float(poisson.pearson_chi2 / poisson.df_resid)
    if dispersion > OVERDISPERSION:
        alpha = sm.NegativeBinomial(y, X).fit(disp=0).params[-1]
        model = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
        family = "negative binomial"
    else:
        model, family = poisson, "Poisson"
    b = float(model.params[1])
    low, high = (float(v) for v in model.conf_int(alpha=1 - LEVEL)[1])
    prediction = model.get_prediction(X).summary_frame(alpha=1 - LEVEL)
    fitted = data.select("quarter").with_columns(
        pl.Series("fit", prediction["mean"].to_numpy()),
        pl.Series("low", prediction["mean_ci_lower"].to_numpy()),
        pl.Series("high", prediction["mean_ci_upper"].to_numpy()),
    )
    doubling = lambda rate: math.log(2) / rate if rate > 0 else math.inf  # noqa: E731
    return Growth(
        family=family, dispersion=dispersion,
        yearly_growth=math.exp(b) - 1, yearly_growth_ci=(math.exp(low) - 1, math.exp(high) - 1),
        doubling_years=doubling(b), doubling_years_ci=(doubling(high), doubling(low)),
        observed=observed, fitted=fitted,
    )
