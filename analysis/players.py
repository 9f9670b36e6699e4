"""Key players: the repositories and owners that dominate stars and activity, by task."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from analysis import inputs, tables
from analysis.config import curated_tools_file

#: Keyword rules for a repository's task when the curated list does not name it (first match).
TASK_RULES = (
    ("serving", ("serving", "serve", "inference", "deploy", "deployment")),
    ("monitoring", ("monitoring", "monitor", "drift", "observability")),
    ("versioning / tracking", ("version", "versioning", "tracking", "registry", "experiment", "experiments")),
    ("training / tuning", ("hyperparameter", "automl", "tuning", "training")),
    ("data", ("data", "dataset", "datasets", "labeling", "annotation", "feature", "vector", "database", "quality")),
    ("orchestration", ("pipeline", "pipelines", "workflow", "workflows", "orchestration", "orchestrator")),
    ("platform", ("platform", "mlops")),
)
WORD = re.compile(r"[a-z0-9]+")


def normal(name: str) -> str:
    return "".join(WORD.findall(name.lower()))


def curated_tasks(path: Path | None = None) -> dict[str, str]:
    """Normalised tool name -> task, from the hand-curated list (an InputFileError when it is not there)."""
    rows = inputs.read_rows(path or curated_tools_file(), "the curated tool list", ("name", "type"))
    return {normal(r["name"]): r["type"].strip().replace("lifecyle", "lifecycle") for r in rows}


def curated_tool(name: str, owner: str, curated: dict[str, str]) -> str | None:
    """The curated list's (normalised) tool a repository is, by its name or else its owner, else None."""
    return next((normal(c) for c in (name, owner) if normal(c) in curated), None)


def curated_task(name: str, owner: str, curated: dict[str, str]) -> str | None:
    """The curated list's task for a repository whose name or owner it lists, else None."""
    tool = curated_tool(name, owner, curated)
    return None if tool is None else curated[tool]


def task_of(
    name: str, owner: str, description: str | None, topics: list[str], curated: dict[str, str], content_type: str = ""
) -> str:
    """The curated list's task for a listed tool; else learning material; else keyword rules."""
    listed = curated_task(name, owner, curated)
    if listed is not None:
        return listed
    if content_type == "learning":
        return "learning material"
    words = set(WORD.findall((description or "").lower())) | {p for t in topics for p in t.split("-")}
    for task, terms in TASK_RULES:
        if words & set(terms):
            return task
    return "other"


def content_label(name: str, owner: str, hand: str | None, curated: dict[str, str], classified: str) -> tuple[str, str]:
    """A repository's content type and where it came from: a hand label, else the curated tool
    list, else the classifier."""
    if hand is not None:
        return hand, "hand label"
    if normal(name) in curated or normal(owner) in curated:
        return "tool", "curated list"
    return classified, "classifier"


def key_repositories(repos: pl.DataFrame, content: pl.DataFrame, hand: pl.DataFrame, n: int = 12) -> pl.DataFrame:
    """The most-starred repositories, with content type, the source of that label, and task.

    `content` holds the classifier's labels (id, content_type); `hand` the hand labels (id, label).
    """
    curated = curated_tasks()
    top = (
        repos.join(content, on="id")
        .join(hand.select("id", pl.col("label").alias("hand")), on="id", how="left")
        .sort(["stargazers_count", "id"], descending=[True, False])
        .head(n)
    )
    labelled = [
        content_label(r["name"], r["owner_login"], r["hand"], curated, r["content_type"])
        for r in top.iter_rows(named=True)
    ]
    top = top.with_columns(
        pl.Series("content_type", [c for c, _ in labelled]), pl.Series("source", [s for _, s in labelled])
    )
    return top.select(
        pl.col("full_name").alias("repository"),
        pl.col("stargazers_count").alias("stars"),
        "content_type",
        "source",
        pl.struct("name", "owner_login", "description", "topics", "content_type")
        .map_elements(
            lambda r: task_of(
                r["name"], r["owner_login"], r["description"], r["topics"] or [], curated, r["content_type"]
            ),
            return_dtype=pl.String,
        )
        .alias("task"),
    )


def key_owners(repos: pl.DataFrame, n: int = 10) -> pl.DataFrame:
    """Owners (organisations and users) by total stars over their repositories in the study."""
    return (
        repos.sort("stargazers_count", descending=True)
        .group_by("owner_login", "owner_type")
        .agg(
            pl.len().alias("repos"),
            pl.col("stargazers_count").sum().alias("stars"),
            pl.col("name").first().alias("top_repository"),
        )
        .with_columns(
            (pl.col("stars") / repos["stargazers_count"].sum()).alias("share_of_stars"),
            pl.col("owner_type").replace(tables.GROUPS),
        )
        .sort(["stars", "owner_login"], descending=[True, False])
        .head(n)
    )
