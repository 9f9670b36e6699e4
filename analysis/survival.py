"""When do repositories go inactive? Kaplan-Meier curves, log-rank tests and a Cox model.

A repository "goes inactive" when it has had no push for INACTIVE_DAYS. For one that
has, the event happens INACTIVE_DAYS after its last push, and the duration runs from
creation to then. For the rest, the duration runs from creation to the snapshot date,
censored (it may go inactive later).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from analysis import scalars, tables
from analysis.dates import INACTIVE_DAYS, YEAR_DAYS, as_of_datetime
from analysis.fingerprint import cached

LEVEL = 0.95


def durations(repos: pl.DataFrame, as_of: str) -> pl.DataFrame:
    """id, years (duration), inactive (event observed) per repository."""
    now = as_of_datetime(as_of)
    gap = pl.duration(days=INACTIVE_DAYS)
    inactive = (pl.lit(now) - pl.col("pushed_at")) > gap
    end = pl.when(inactive).then(pl.col("pushed_at") + gap).otherwise(pl.lit(now))
    return repos.select(
        "id",
        ((end - pl.col("created_at")).dt.total_seconds() / (YEAR_DAYS * 86400))
        .clip(lower_bound=1 / YEAR_DAYS)
        .alias("years"),
        inactive.alias("inactive"),
    )


#: Fewer repositories gone inactive than this cannot support a Cox model of five covariates.
MIN_EVENTS = 20


def shortfall(durations: pl.DataFrame) -> str | None:
    """Why survival cannot be modelled on this snapshot, in one sentence; None if it can."""
    events = int(durations["inactive"].sum()) if durations.height else 0
    if events >= MIN_EVENTS:
        return None
    return f"Survival is not modelled: {events} repositories have gone inactive, fewer than {MIN_EVENTS}."


def km_curves(data: pl.DataFrame, group: str) -> pl.DataFrame:
    """Kaplan-Meier survival per group: group, years, survival (a step function from 1)."""
    rows = []
    for name in sorted(data[group].unique().to_list()):
        part = data.filter(pl.col(group) == name)
        sf = SurvfuncRight(part["years"].to_numpy(), part["inactive"].cast(pl.Int8).to_numpy())
        rows.append(
            pl.DataFrame(
                {
                    "group": [name] * (len(sf.surv_times) + 1),
                    "years": np.r_[0.0, sf.surv_times],
                    "survival": np.r_[1.0, sf.surv_prob],
                }
            )
        )
    return pl.concat(rows).with_columns(pl.lit(group).alias("by"))


def median_survival(data: pl.DataFrame, group: str) -> pl.DataFrame:
    """Per group: repositories, inactive share, and median years to inactivity (null if not reached)."""
    rows = []
    for name in sorted(data[group].unique().to_list()):
        part = data.filter(pl.col(group) == name)
        sf = SurvfuncRight(part["years"].to_numpy(), part["inactive"].cast(pl.Int8).to_numpy())
        below = np.nonzero(sf.surv_prob <= 0.5)[0]
        rows.append(
            {
                "by": group,
                "group": name,
                "repos": part.height,
                "inactive_share": scalars.number(part["inactive"].mean()),
                "median_years": float(sf.surv_times[below[0]]) if below.size else None,
            }
        )
    return pl.DataFrame(rows)


def logrank(data: pl.DataFrame, group: str) -> tuple[float, float]:
    """Log-rank chi-squared and p-value for equal survival across the groups."""
    chisq, p = survdiff(data["years"].to_numpy(), data["inactive"].cast(pl.Int8).to_numpy(), data[group].to_numpy())
    return float(chisq), float(p)


@dataclass(frozen=True)
class CoxResult:
    table: pl.DataFrame  # term, hazard_ratio, low, high, p, ph_p
    n: int
    events: int
    global_ph_p: float
    references: dict[str, str]  # categorical variable -> its reference level
    variable_ph_p: dict[str, float]  # variable (all its terms together) -> proportional-hazards p


@dataclass(frozen=True)
class PHTest:
    """Grambsch-Therneau tests of proportional hazards: all terms, each variable, each term."""

    global_p: float
    variables: dict[str, float]
    terms: list[float]


def grambsch_therneau(residuals: np.ndarray, times: np.ndarray, cov: np.ndarray, variables: list[str]) -> PHTest:
    """Score tests that each coefficient is constant in rank-of-time (Grambsch and Therneau, 1994).

    `residuals` are the unscaled Schoenfeld residuals at the event times `times` (one row per
    event), `cov` the coefficients' covariance and `variables` each column's variable. With
    g the centred time ranks and U = residuals' g, the scaled residuals' slope on g is V U,
    and a set B of terms gives d (V U)_B' (V_BB)^-1 (V U)_B / g'g, chi-squared on |B| degrees
    of freedom: all terms at once is the global test, one term is lifelines'
    `proportional_hazard_test` with `time_transform="rank"` (a test checks they agree).
    """
    g = stats.rankdata(times)
    g = g - g.mean()
    events = residuals.shape[0]
    slope = cov @ (residuals.T @ g)
    scale = events / float(g @ g)

    def p_value(block: np.ndarray) -> float:
        b = slope[block]
        statistic = scale * float(b @ np.linalg.solve(cov[np.ix_(block, block)], b))
        return float(stats.chi2.sf(statistic, len(block)))

    names = np.array(variables)
    return PHTest(
        global_p=p_value(np.arange(len(variables))),
        variables={v: p_value(np.flatnonzero(names == v)) for v in dict.fromkeys(variables)},
        terms=[p_value(np.array([j])) for j in range(len(variables))],
    )


def license_group(key: str | None) -> str:
    return "none" if key is None else key if key in ("mit", "apache-2.0") else "other"


def covariates(repos: pl.DataFrame, content: pl.DataFrame, top_languages: int = 3) -> pl.DataFrame:
    """Model covariates: stars as log2(1 + stars), so that a hazard ratio is per doubling; owner type, license
    group, content type, language group."""
    languages = repos["language"].drop_nulls().value_counts(sort=True)["language"].head(top_languages).to_list()
    return repos.join(content, on="id").select(
        "id",
        (pl.col("stargazers_count") + 1).log(2).alias("log_stars"),
        pl.col("owner_type").fill_null("User"),
        pl.col("license_key").map_elements(license_group, return_dtype=pl.String, skip_nulls=False).alias("license"),
        "content_type",
        pl.when(pl.col("language").is_in(languages))
        .then(pl.col("language"))
        .otherwise(pl.lit("Other"))
        .alias("language"),
    )


@cached
def cox(
    data: pl.DataFrame,
    strata: str | None = None,
    variables: tuple[str, ...] | None = None,
) -> CoxResult:
    """Cox proportional hazards of going inactive, with Grambsch-Therneau tests of proportional hazards.

    Each categorical variable's reference is its most common level, so that the model runs on
    any snapshot (a hard-coded level may not occur) and compares against the typical repository.
    A small PH p-value says that a hazard ratio drifts with time. `strata` names a variable whose
    levels get baseline hazards of their own instead of a hazard ratio (no PH assumption for it);
    `variables` are the categorical covariates beside log stars (all of CATEGORICAL by default). Cached on disk:
    the facts, the robustness table and notebook 04 each fit the same models.
    """
    frame = data.to_pandas()
    modelled = [v for v in (variables or CATEGORICAL) if v != strata]
    references = {v: most_common(data[v]) for v in modelled}
    formula = "years ~ log_stars + " + " + ".join(f"C({v}, Treatment({references[v]!r}))" for v in modelled)
    model = PHReg.from_formula(
        formula,
        frame,
        status=frame["inactive"].astype(int).to_numpy(),
        ties="efron",
        strata=None if strata is None else frame[strata].to_numpy(),
    )
    result = model.fit()
    ci = np.exp(result.conf_int(alpha=1 - LEVEL))
    residuals = result.schoenfeld_residuals
    observed = ~np.isnan(residuals[:, 0])
    terms = [clean_term(t) for t in model.exog_names]
    ph = grambsch_therneau(
        residuals[observed],
        frame["years"].to_numpy()[observed],
        np.asarray(result.cov_params()),
        [t.partition(": ")[0] for t in terms],
    )
    table = pl.DataFrame(
        {
            "term": terms,
            "hazard_ratio": np.exp(result.params),
            "low": ci[:, 0],
            "high": ci[:, 1],
            "p": result.pvalues,
            "ph_p": ph.terms,
        }
    )
    return CoxResult(
        table=table,
        n=len(frame),
        events=int(frame["inactive"].sum()),
        global_ph_p=ph.global_p,
        references=references,
        variable_ph_p=ph.variables,
    )


CATEGORICAL = ("owner_type", "license", "content_type", "language")


def hazard_ratio(result: CoxResult, variable: str, level: str, against: str) -> tuple[float, float, float] | None:
    """Hazard ratio of `level` against `against` with its interval, whichever of the two is the reference;
    None when the model holds no term comparing them."""
    rows = {r["term"]: r for r in result.table.iter_rows(named=True)}
    reference = result.references.get(variable)  # none when the variable is strata or left out
    if reference == against and f"{variable}: {level}" in rows:
        r = rows[f"{variable}: {level}"]
        return r["hazard_ratio"], r["low"], r["high"]
    if reference == level and f"{variable}: {against}" in rows:
        r = rows[f"{variable}: {against}"]
        return 1 / r["hazard_ratio"], 1 / r["high"], 1 / r["low"]
    return None


def most_common(column: pl.Series) -> str:
    """The most frequent value; ties go to the alphabetically first, so the choice is reproducible."""
    counts = column.value_counts()
    return counts.sort(["count", column.name], descending=[True, False])[column.name][0]


def clean_term(term: str) -> str:
    """`C(owner_type, Treatment('User'))[T.Organization]` -> `owner_type: Organization`."""
    if term.startswith("C("):
        name = term[2 : term.index(",")]
        level = term[term.index("[T.") + 3 : -1]
        return f"{name}: {level}"
    return term


#: Reader-facing names of the model's variables and of the license levels.
VARIABLES = {
    "content_type": "Content type",
    "owner_type": "Owner type",
    "log_stars": "Stars (per doubling)",
    "license": "License",
    "language": "Language",
}
LICENSES = {"mit": "MIT", "apache-2.0": "Apache-2.0", "other": "another license", "none": "no license"}


def group_summary(data: pl.DataFrame, groupings: tuple[str, ...] = ("content_type", "owner_type")) -> pl.DataFrame:
    """For readers: per group, repositories, share inactive and median years, with each grouping's log-rank p once."""
    rows = []
    for by in groupings:
        _, p = logrank(data, by)
        for i, row in enumerate(median_survival(data, by).iter_rows(named=True)):
            median = row["median_years"]
            rows.append(
                {
                    "grouping": f"{VARIABLES[by]} (log-rank p {tables.p_value(p)})" if i == 0 else "",
                    "group": tables.group(row["group"]),
                    "repos": row["repos"],
                    "inactive": tables.percent(row["inactive_share"]),
                    "median_years": "not reached" if median is None else f"{median:.1f}",
                }
            )
    return pl.DataFrame(rows)


def readable_term(term: str) -> str:
    """`owner_type: Organization` -> `Owner type: organisation`; `license: mit` -> `License: MIT`."""
    name, _, level = term.partition(": ")
    level = LICENSES.get(level, level) if name == "license" else tables.group(level)
    return f"{VARIABLES.get(name, name)}: {level}" if level else VARIABLES.get(name, name)


def cox_summary(result: CoxResult) -> pl.DataFrame:
    """For readers: hazard ratios with their interval, p and the proportional-hazards check, two decimals;
    each categorical variable's reference level first, at a hazard ratio of 1."""
    references = pl.DataFrame(
        [
            {
                "term": readable_term(f"{v}: {level}") + " (reference)",
                "hazard_ratio": "1",
                "interval": "",
                "p": "",
                "ph_p": "",
            }
            for v, level in result.references.items()
        ]
    )
    return references.vstack(
        result.table.select(
            pl.col("term").map_elements(readable_term, return_dtype=pl.String),
            pl.col("hazard_ratio").map_elements(lambda x: f"{x:.2f}", return_dtype=pl.String),
            pl.struct("low", "high")
            .map_elements(lambda r: f"{r['low']:.2f} to {r['high']:.2f}", return_dtype=pl.String)
            .alias("interval"),
            pl.col("p").map_elements(tables.p_value, return_dtype=pl.String),
            pl.col("ph_p").map_elements(tables.p_value, return_dtype=pl.String),
        )
    )


#: Below this, a proportional-hazards test is read as a failure (after Holm's adjustment over the variables).
PH_ALPHA = 0.05


def holm(p: dict[str, float]) -> dict[str, float]:
    """Holm's step-down adjustment of a family of p-values."""
    ranked = sorted(p, key=p.__getitem__)
    adjusted, running = {}, 0.0
    for i, name in enumerate(ranked):
        running = max(running, min(1.0, (len(ranked) - i) * p[name]))
        adjusted[name] = running
    return adjusted


def failing(result: CoxResult) -> list[str]:
    """Variables whose proportional-hazards test rejects at PH_ALPHA after Holm's adjustment, the clearest first."""
    adjusted = holm(result.variable_ph_p)
    return sorted((v for v, p in adjusted.items() if p < PH_ALPHA), key=adjusted.__getitem__)


def every_stratification(data: pl.DataFrame) -> dict[str, CoxResult]:
    """The model with each categorical variable but owner type in turn as strata: whether the owner and star
    hazard ratios hold whatever baseline each level of another variable is given."""
    return {v: cox(data, v) for v in CATEGORICAL if v != "owner_type" and data[v].n_unique() > 1}


def effects(result: CoxResult) -> tuple[float | None, float | None]:
    """The hazard ratios of organisation ownership and of a doubling of stars (None where not modelled)."""
    org = hazard_ratio(result, "owner_type", "Organization", "User")
    star = result.table.filter(pl.col("term") == "log_stars")["hazard_ratio"]
    return (org[0] if org else None), (None if star.is_empty() else float(star[0]))


def ph_statement(result: CoxResult, strata: dict[str, CoxResult]) -> str:
    """What the proportional-hazards tests say after Holm's adjustment, and how the owner and star hazard
    ratios move when each other variable is given baselines of its own instead (the robust statement)."""
    adjusted = holm(result.variable_ph_p)
    fails = failing(result)
    raw = sorted((v for v, p in result.variable_ph_p.items() if p < PH_ALPHA), key=result.variable_ph_p.__getitem__)
    overall = tables.p_is(result.global_ph_p)
    named = ", ".join(
        f"{VARIABLES[v].lower()} ({tables.p_is(result.variable_ph_p[v])}, {tables.p_value(adjusted[v])} adjusted)"
        for v in raw
    )
    if not raw:
        text = (
            f"The Grambsch–Therneau test finds no departure from proportional hazards ({overall} overall, and"
            f" p ≥ {PH_ALPHA} for every variable)."
        )
    elif not fails:
        text = (
            f"The Grambsch–Therneau test gives {overall} overall; per variable, {named}"
            f" {'falls' if len(raw) == 1 else 'fall'} below {PH_ALPHA} before, but not after, Holm's adjustment for"
            f" {len(adjusted)} tests."
        )
    else:
        text = (
            f"The Grambsch–Therneau test gives {overall} overall and rejects proportional hazards after Holm's"
            f" adjustment for {len(adjusted)} tests for {', '.join(VARIABLES[v].lower() for v in fails)} ({named}),"
            " whose hazard ratios are therefore averages over the follow-up."
        )
    ratios = [effects(r) for r in strata.values()]
    orgs = [o for o, _ in ratios if o is not None]
    stars = [s for _, s in ratios if s is not None]
    if not orgs or not stars:
        return text
    names = " or ".join(VARIABLES[v].lower() for v in strata)
    return (
        f"{text} Stratified by {names} in turn, which frees that variable from the assumption, the model keeps the"
        f" hazard ratio of organisation ownership between {min(orgs):.2f} and {max(orgs):.2f}, and that of a"
        f" doubling of stars between {min(stars):.2f} and {max(stars):.2f}."
    )


def content_sensitivity(data: pl.DataFrame, labels: pl.DataFrame) -> dict[str, tuple[float, float, float]]:
    """Hazard ratio of tools against projects on the hand-labelled sample, from the rules' labels and from
    the hand labels: how far the rules' misclassification moves the content effect. The sample is small, so
    the model holds log stars, owner type and content type only. {} when the sample has fewer than MIN_EVENTS
    events or either model lacks the comparison."""
    sample = data.join(labels.select("id", pl.col("label").alias("hand")), on="id")
    if int(sample["inactive"].sum()) < MIN_EVENTS:
        return {}
    ratios = {}
    for source, frame in (("rules", sample), ("hand labels", sample.with_columns(content_type=pl.col("hand")))):
        ratio = hazard_ratio(cox(frame, variables=("owner_type", "content_type")), "content_type", "tool", "project")
        if ratio is None:
            return {}
        ratios[source] = ratio
    return ratios


def content_text(project_precision: float | None, ratios: dict[str, tuple[float, float, float]]) -> str:
    """What the rules' misclassification does to the content effect, for prose."""
    if project_precision is None:
        return (
            "Content type is the rules' label; too few of this snapshot's repositories are in the hand-labelled"
            " sample to measure how often it is wrong."
        )
    text = (
        f"Content type is the rules' label, whose project class has a precision of {project_precision:.2f} on"
        " the held-out hand labels; misclassification of this kind biases content-type hazard ratios towards 1."
    )
    if not ratios:
        return text
    rules, hand = ratios["rules"], ratios["hand labels"]
    return (
        f"{text} On the hand-labelled sample, tools against projects have a hazard ratio of {hand[0]:.2f}"
        f" (95% CI {hand[1]:.2f} to {hand[2]:.2f}) with the hand labels and {rules[0]:.2f} with the rules' labels,"
        f" {'inside' if hand[1] <= rules[0] <= hand[2] else 'outside'} the hand labels' interval."
    )
