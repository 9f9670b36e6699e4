"""What kind of content is posted? A rule-based classifier of repositories.

Every repository gets one label, tried in this order:
1. learning: a LEARNING term appears in its name, description or topics (course,
   tutorial, zoomcamp, example, demo, curated or awesome list, workshop, ...); or a
   LEARNING_NAMED term (book, notes, talks, ...) in its name or topics; or its name says
   "learning" without being about machine, deep, ... learning;
2. project: a PROJECT term (app, application, prediction, detection, recognition,
   forecasting, ...) in its name or description: an application of one problem;
3. tool: a TOOL term (library, framework, platform, SDK, client, plugin, template,
   open source, ...) in its name or description. Topics are not used here, because they
   name the stack a repository uses (model-serving, github-actions) more often than
   what it is;
4. project: everything else.
Terms match whole words of the name (split at -, _, . and camelCase), of the cleaned
description, and of the topics (also split at hyphens). The rules were tuned on the
development half of the hand labels only; the held-out half scores them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analysis import inputs, tables
from analysis.config import SOURCE_ROOT
from analysis.text import clean

CLASSES = ("learning", "tool", "project")
LABELS_FILE = SOURCE_ROOT / "data" / "labels" / "content_types.csv"
#: Hand labels of the most-starred repositories (chosen by stars, not at random: never used for shares).
KEY_LABELS_FILE = SOURCE_ROOT / "data" / "labels" / "key_players.csv"

#: The learning-material terms that name a course or its coursework: repositories made by a class or a bootcamp's
#: cohort, which arrive together and can make a quarter's peak (a threat to the growth model).
COURSE = frozenset(
    {
        "course",
        "courses",
        "coursera",
        "udemy",
        "udacity",
        "nanodegree",
        "specialization",
        "zoomcamp",
        "datatalksclub",
        "academy",
        "bootcamp",
        "boostcamp",
        "lecture",
        "lectures",
        "lesson",
        "lessons",
        "homework",
        "assignment",
        "assignments",
        "capstone",
        "mooc",
    }
)
#: Terms of learning material: the course terms and those of tutorials, examples and collections.
LEARNING = COURSE | frozenset(
    {
        "tutorial",
        "tutorials",
        "workshop",
        "workshops",
        "cookbook",
        "handbook",
        "example",
        "examples",
        "sample",
        "samples",
        "demo",
        "demos",
        "demonstration",
        "demonstrating",
        "showcase",
        "showcases",
        "awesome",
        "interview",
        "slides",
        "dojo",
        "cheatsheet",
        "overview",
        "learnings",
    }
)
LEARNING_PHRASES = ("curated list", "awesome list", "list of", "knowledge hub")
LEARNING_NAMED = frozenset({"book", "books", "notes", "talk", "talks", "lab", "labs", "guide", "study"})
LEARNING_NAME = frozenset({"learning", "learn", "training", "practice"})
NOT_LEARNING_CONTEXT = frozenset({"machine", "deep", "federated", "reinforcement", "active"})
PROJECT = frozenset(
    {
        "app",
        "apps",
        "application",
        "prediction",
        "predictions",
        "predict",
        "predicting",
        "detection",
        "detector",
        "recognition",
        "forecasting",
        "forecast",
        "classification",
        "classifier",
        "segmentation",
        "recommendation",
        "chatbot",
        "hackathon",
        "kaggle",
        "competition",
        "analysis",
    }
)
TOOL = frozenset(
    {
        "library",
        "framework",
        "platform",
        "sdk",
        "client",
        "toolkit",
        "plugin",
        "plugins",
        "extension",
        "cli",
        "operator",
        "scheduler",
        "registry",
        "template",
        "templates",
        "cookiecutter",
        "scaffold",
        "boilerplate",
        "accelerator",
        "accelerators",
        "package",
        "manifests",
        "server",
        "tool",
        "tools",
        "tracker",
        "dashboard",
        "orchestrator",
        "integration",
        "integrate",
        "deployment",
        "opensource",
        "serve",
        "api",
        "infrastructure",
    }
)
TOOL_PHRASES = ("open source", "self hosted", "github action")
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
SPLIT = re.compile(r"[-_.\s/]+")


def name_words(name: str) -> list[str]:
    return [w for w in SPLIT.split(CAMEL.sub(" ", name).lower()) if w]


def topic_words(topics: list[str]) -> set[str]:
    """Each topic, and its parts split at hyphens ("model-serving": "serving")."""
    return {part for t in topics for part in [t, *t.split("-")]}


def classify(name: str, description: str | None, topics: list[str]) -> str:
    """learning, tool or project, by the rules in the module docstring."""
    in_name = set(name_words(name))
    text = clean(description)
    in_text = set(text.split())
    in_topics = topic_words(topics)
    if (
        (in_name | in_text | in_topics) & LEARNING
        or any(p in text for p in LEARNING_PHRASES)
        or (in_name | in_topics) & LEARNING_NAMED
        or (in_name & LEARNING_NAME and not in_name & NOT_LEARNING_CONTEXT)
    ):
        return "learning"
    if (in_name | in_text) & PROJECT:
        return "project"
    if (in_name | in_text) & TOOL or any(p in text for p in TOOL_PHRASES):
        return "tool"
    return "project"


def is_course(name: str, description: str | None, topics: list[str]) -> bool:
    """Whether a repository names a course or its coursework (a COURSE term in its name, description or topics)."""
    return bool((set(name_words(name)) | set(clean(description).split()) | topic_words(topics)) & COURSE)


def by_repository(rule: Callable[[str, str | None, list[str]], object], dtype: type[pl.DataType]) -> pl.Expr:
    """`rule(name, description, topics)` applied to each repository."""
    return pl.struct("name", "description", "topics").map_elements(
        lambda r: rule(r["name"], r["description"], r["topics"] or []), return_dtype=dtype
    )


def courses(repos: pl.DataFrame) -> pl.Series:
    """For each repository, whether it names a course or its coursework."""
    return repos.select(by_repository(is_course, pl.Boolean)).to_series()


def classify_all(repos: pl.DataFrame) -> pl.DataFrame:
    """id and content_type for every repository."""
    return repos.select("id", by_repository(classify, pl.String).alias("content_type"))


@dataclass(frozen=True)
class Evaluation:
    scores: pl.DataFrame  # split, class, precision, recall, support
    confusion: pl.DataFrame  # split, label, predicted, n


def hand_labels(path: Path = LABELS_FILE) -> pl.DataFrame:
    """The hand-labelled sample; every other row (the 2nd, 4th, ...) is held out from rule tuning."""
    rows = inputs.read_rows(path, "the hand labels", ("id", "label"))
    for i, r in enumerate(rows, 2):
        if not r["id"].isdigit() or r["label"] not in CLASSES:
            raise inputs.InputFileError(
                f"{path}: line {i}: id must be a repository id and label one of {', '.join(CLASSES)},"
                f" not {r['id']!r}, {r['label']!r}"
            )
    return pl.DataFrame(
        {
            "id": [int(r["id"]) for r in rows],
            "label": [r["label"] for r in rows],
            "split": ["development" if i % 2 == 0 else "held-out" for i in range(len(rows))],
        }
    )


def evaluate(repos: pl.DataFrame, labels: pl.DataFrame) -> Evaluation:
    """Precision and recall per class on each split of the hand labels, and overall."""
    joined = labels.join(classify_all(repos), on="id", how="inner")
    rows, confusion = [], []
    for split in ("development", "held-out", "all"):
        part = joined if split == "all" else joined.filter(pl.col("split") == split)
        for cls in CLASSES:
            predicted = part.filter(pl.col("content_type") == cls)
            actual = part.filter(pl.col("label") == cls)
            hits = part.filter((pl.col("label") == cls) & (pl.col("content_type") == cls)).height
            rows.append(
                {
                    "split": split,
                    "class": cls,
                    "precision": hits / predicted.height if predicted.height else None,
                    "recall": hits / actual.height if actual.height else None,
                    "support": actual.height,
                }
            )
        confusion.append(
            part.group_by("label", "content_type").agg(pl.len().alias("n")).with_columns(pl.lit(split).alias("split"))
        )
    return Evaluation(scores=pl.DataFrame(rows), confusion=pl.concat(confusion).rename({"content_type": "predicted"}))


#: Fewer hand-labelled repositories in a snapshot than this give intervals too wide to report.
MIN_LABELLED = 30


def estimate(repos: pl.DataFrame, labels: pl.DataFrame, level: float = 0.95) -> pl.DataFrame:
    """The share of each content type: the hand-labelled random sample's share with a Wilson interval.

    The sample is a simple random sample, so its shares are unbiased whatever the classifier's
    errors; the classifier's own counts would carry its misses (it sends learning material and
    tools into the project class), so they are kept for per-repository labels only. Only labelled
    repositories present in the snapshot count.
    """
    from statsmodels.stats.proportion import proportion_confint

    present = labels.join(repos.select("id"), on="id", how="semi")
    rows = []
    for cls in CLASSES:
        hits = int((present["label"] == cls).sum())
        low, high = proportion_confint(hits, present.height, alpha=1 - level, method="wilson")
        rows.append(
            {
                "content_type": cls,
                "labelled": hits,
                "share": hits / present.height,
                "low": float(low),
                "high": float(high),
            }
        )
    return pl.DataFrame(rows)


def shortfall(repos: pl.DataFrame, labels: pl.DataFrame) -> str | None:
    """Why content shares cannot be estimated on this snapshot, in one sentence; None if they can."""
    present = labels.join(repos.select("id"), on="id", how="semi").height
    if present >= MIN_LABELLED:
        return None
    return (
        f"Content shares are not estimated: {present} of this snapshot's repositories are in the"
        f" hand-labelled sample, fewer than {MIN_LABELLED}."
    )


def summary(shares: pl.DataFrame, labelled: int) -> str:
    """The estimate in one sentence."""
    parts = {
        r["content_type"]: f"{tables.percent(r['share'])} (95% CI {tables.percent(r['low'])} to"
        f" {tables.percent(r['high'])})"
        for r in shares.iter_rows(named=True)
    }
    return (
        f"In a random sample of {labelled} repositories labelled by hand, {parts['learning']} are learning"
        f" material, {parts['tool']} tools and {parts['project']} projects."
    )
