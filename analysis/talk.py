"""The talk's stated values beside this study's measurements, and why they differ.

The talk's values are data (data/talk/stated.csv, each with where in the talk it is), so no
number of the talk is typed into prose or code.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

from analysis import inputs, tables
from analysis.config import SOURCE_ROOT

STATED_FILE = SOURCE_ROOT / "data" / "talk" / "stated.csv"
COLUMNS = ("key", "quantity", "kind", "talk", "source", "why")


def stated(path: Path = STATED_FILE) -> pl.DataFrame:
    """key, quantity, kind (count or share), talk (the value), source, why."""
    data = inputs.read_bytes(path, "the talk's stated values")
    try:
        return pl.read_csv(io.BytesIO(data), schema_overrides={"talk": pl.Float64}).select(COLUMNS)
    except (pl.exceptions.PolarsError, ValueError) as e:
        raise inputs.InputFileError(f"{path}: the talk's stated values cannot be read ({e})") from None


def formatted(kind: str, value: float) -> str:
    return tables.percent(value) if kind == "share" else f"{value:,.0f}"


def talk_facts(values: pl.DataFrame) -> dict[str, str]:
    """The talk's values formatted for prose, as `talk_<key>`."""
    return {f"talk_{r['key']}": formatted(r["kind"], r["talk"]) for r in values.iter_rows(named=True)}


#: The study's value of a quantity whose analysis this snapshot cannot support.
UNSUPPORTED = "not computed (too few repositories)"


def reconcile(values: pl.DataFrame, facts: dict[str, Any]) -> pl.DataFrame:
    """Per quantity: what the talk stated, what this study measures (the fact `study_<key>`), and why they differ.

    A quantity whose analysis this snapshot cannot support has an empty fact, and says so."""
    return values.select(
        "quantity",
        pl.struct("kind", "talk")
        .map_elements(lambda r: formatted(r["kind"], r["talk"]), return_dtype=pl.String)
        .alias("talk"),
        pl.col("key").map_elements(lambda k: facts[f"study_{k}"] or UNSUPPORTED, return_dtype=pl.String).alias("study"),
        "why",
    )


#: How a claim of the talk fares on the same snapshot.
REPRODUCED, CONTRADICTED, EXTENDED, NOT_MEASURABLE = "reproduced", "contradicted", "extended", "not measurable"
#: A count measured the talk's way counts as reproduced within this fraction of the talk's: the repositories' stars
#: and topics changed between the talk's queries and the snapshot's.
COUNT_TOLERANCE = 0.05


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def count(text: str) -> float:
    """A formatted count ("288,072 stars, ...") as a number."""
    return float(text.split(" ")[0].replace(",", ""))


def same_count(study: str, stated: str) -> str:
    return REPRODUCED if abs(count(study) - count(stated)) <= COUNT_TOLERANCE * count(stated) else CONTRADICTED


def model_claim(facts: dict[str, Any], name: str, found: str, stated: str, measured: str) -> tuple[str, str]:
    """(this study, verdict) for a model's count: reproduced only if the model beats its null reference
    (`<name>_finding`) and its count `found` is the talk's."""
    finding = bool(facts.get(f"{name}_finding"))
    return when(facts, name, measured, REPRODUCED if finding and found == stated else CONTRADICTED)


def when(facts: dict[str, Any], name: str, study: str, verdict: str) -> tuple[str, str]:
    """(this study, verdict), or the analysis' shortfall where the snapshot cannot support it."""
    return (study, verdict) if facts.get(f"{name}_supported") else (facts[f"{name}_shortfall"], NOT_MEASURABLE)


def claims(facts: dict[str, Any]) -> pl.DataFrame:
    """The talk's claims in its order: what this study measures on the same snapshot, and whether that
    reproduces or contradicts the claim, extends what the talk asked, or cannot be measured here."""
    f = facts
    rows: list[tuple[str, str, str]] = [
        (
            f"{f['talk_repositories']} repositories carry the two topics",
            f"{f['n_repos']}, with {f['duplicates']} duplicates between pages removed",
            same_count(f["n_repos"], f["talk_repositories"]),
        ),
        (
            f"Python and Jupyter Notebook lead ({f['talk_python_share']} and {f['talk_notebook_share']} of the"
            " repositories with a language)",
            *when(
                f,
                "profile",
                f"{f['top_language']} {f['top_language_share_known']}, {f['second_language']}"
                f" {f['second_language_share_known']} of the {f['with_language']} with a language",
                REPRODUCED
                if (f["top_language"], f["second_language"]) == ("Python", "Jupyter Notebook")
                else CONTRADICTED,
            ),
        ),
        (
            f"Descriptions hold {f['talk_lda_topics']} topics (LDA)",
            *model_claim(
                f,
                "topics",
                f["lda_k"],
                f["talk_lda_topics"],
                f"coherence picks {f['lda_k']}; {lower_first(f['topic_headline'])}",
            ),
        ),
        (
            f"Repositories form {f['talk_dbscan_clusters']} clusters (DBSCAN)",
            *model_claim(
                f,
                "clusters",
                f["study_dbscan_clusters"],
                f["talk_dbscan_clusters"],
                f"DBSCAN finds {f['dbscan_clusters']} ({f['noise_share']} noise); {f['cluster_headline']}",
            ),
        ),
        (
            "The ecosystem is growing",
            *when(
                f,
                "growth",
                f"new repositories: {f['growth_headline']}"
                + ("" if f.get("growth_growing") else " (the ecosystem grows, but no faster)"),
                REPRODUCED if f.get("growth_growing") else EXTENDED,
            ),
        ),
        (
            f"{f['talk_users']} users (stars summed over repositories)",
            f"{f['users_total']} stars summed over repositories",
            same_count(f["users_total"], f["talk_users"]),
        ),
        (
            f"{f['talk_bug_reporters']} bug reporters and {f['talk_code_contributors']} code contributors",
            f"{f['study_bug_reporters']}; {f['study_code_contributors']}",
            same_count(f["study_bug_reporters"], f["talk_bug_reporters"]) if f.get("enriched") else NOT_MEASURABLE,
        ),
        (
            "What content is posted (the talk's question)",
            *when(f, "content", f"learning material: {f['learning_share']} of a hand-labelled random sample", EXTENDED),
        ),
        (
            "DataOps beside MLOps (the talk's comparison)",
            *when(f, "separation", f"{f['separation_claim']} Modularity {f['modularity']}", EXTENDED),
        ),
        (
            "Cloud use, contrasted with the literature",
            *when(
                f,
                "adoption",
                f"{f['cloud_any']} name a cloud provider or tool; the literature is outside the data",
                NOT_MEASURABLE,
            ),
        ),
        (
            "Survival analysis (further work)",
            *when(f, "survival", f"{f['inactive_share']} inactive at the snapshot; {f['survival_claim']}", EXTENDED),
        ),
    ]
    return pl.DataFrame(rows, schema=["claim", "study", "verdict"], orient="row")


def verdict_counts(table: pl.DataFrame) -> str:
    """The verdicts in a few words: "4 reproduced, 2 contradicted, 3 extended and 2 not measurable"."""
    counts = dict(table.group_by("verdict").len().iter_rows())
    parts = [f"{counts[v]} {v}" for v in (REPRODUCED, CONTRADICTED, EXTENDED, NOT_MEASURABLE) if counts.get(v)]
    return tables.listed(parts)
