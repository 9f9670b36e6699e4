"""What does adoption of MLOps look like? Cloud prevalence, and DataOps against MLOps.

Cloud terms are matched as whole words of the topics (also split at hyphens) and of
the cleaned description. The term lists are part of the method and are printed in the
paper from CLOUD_TERMS, DATA_TOPICS and ML_TOPICS.
"""

from __future__ import annotations

import itertools
from collections import Counter

import networkx as nx
import polars as pl

from analysis.text import clean

CLOUD_TERMS: dict[str, tuple[str, ...]] = {
    "AWS": ("aws", "amazon", "sagemaker", "lambda", "ec2", "eks", "s3"),
    "Azure": ("azure", "azureml", "aks"),
    "Google Cloud": ("gcp", "google-cloud", "googlecloud", "vertex", "vertexai", "vertex-ai", "bigquery", "gke"),
    "Kubernetes": ("kubernetes", "k8s", "kubeflow", "helm", "kserve", "knative"),
    "Docker": ("docker", "dockerfile", "docker-compose", "container", "containers"),
    "Terraform / IaC": ("terraform", "pulumi", "cloudformation", "cdk", "iac"),
}
#: Data-engineering topics (the DataOps side) and ML topics (the MLOps side).
DATA_TOPICS = (
    "dataops",
    "data-engineering",
    "etl",
    "elt",
    "airflow",
    "data-pipeline",
    "data-pipelines",
    "dbt",
    "spark",
    "kafka",
    "data-quality",
    "data-warehouse",
    "dagster",
    "prefect",
    "big-data",
)
ML_TOPICS = (
    "machine-learning",
    "deep-learning",
    "pytorch",
    "tensorflow",
    "model-serving",
    "model-deployment",
    "computer-vision",
    "nlp",
    "scikit-learn",
    "keras",
    "model-monitoring",
    "experiment-tracking",
    "deep-neural-networks",
    "model-management",
)


def terms_of(row: dict) -> set[str]:
    topics = row["topics"] or []
    return {part for t in topics for part in (t, *t.split("-"))} | set(clean(row["description"]).split())


def cloud_terms() -> pl.DataFrame:
    """The term list of each provider, for stating the method next to its result."""
    return pl.DataFrame([{"provider": p, "terms": ", ".join(words)} for p, words in CLOUD_TERMS.items()])


def cloud_prevalence(repos: pl.DataFrame) -> pl.DataFrame:
    """Share of repositories naming each provider or tool, and any of them (no rows for no repositories)."""
    terms = [terms_of(r) for r in repos.select("topics", "description").iter_rows(named=True)]
    if not terms:
        return pl.DataFrame(schema={"provider": pl.String, "repos": pl.Int64, "share": pl.Float64})
    rows = []
    hits_any = [False] * len(terms)
    for provider, words in CLOUD_TERMS.items():
        hits = [bool(t & set(words)) for t in terms]
        hits_any = [a or h for a, h in zip(hits_any, hits, strict=False)]
        rows.append({"provider": provider, "repos": sum(hits), "share": sum(hits) / len(terms)})
    rows.append({"provider": "Any of these", "repos": sum(hits_any), "share": sum(hits_any) / len(terms)})
    return pl.DataFrame(rows)


def topic_cooccurrence(repos: pl.DataFrame, topics: tuple[str, ...]) -> pl.DataFrame:
    """Pairs of the given topics and the number of repositories carrying both (diagonal: one)."""
    sets = [set(t or []) for t in repos["topics"].to_list()]
    rows = [
        {"a": a, "b": b, "repos": sum(1 for s in sets if a in s and b in s)}
        for a, b in itertools.product(topics, topics)
    ]
    return pl.DataFrame(rows, schema={"a": pl.String, "b": pl.String, "repos": pl.Int64})


#: Newman's modularity above this is usually read as clear community structure.
CLEAR_MODULARITY = 0.3


def communities(repos: pl.DataFrame, min_repos: int = 8) -> tuple[pl.DataFrame, dict[str, float]]:
    """Co-occurrence of the DataOps and MLOps topic sets, and how separable the two are.

    Separability is measured by Newman's modularity Q of the two-community split on the
    weighted topic co-occurrence graph (Q > 0.3 is usually read as clear community
    structure; near 0, the split is no better than chance), and by the share of
    repositories with a data-engineering topic that also carry an ML topic. Topics on
    fewer than `min_repos` repositories are left out of the graph.
    """
    counts = Counter(itertools.chain.from_iterable(t or [] for t in repos["topics"].to_list()))
    present = {topic for topic, n in counts.items() if n >= min_repos}
    data = tuple(t for t in DATA_TOPICS if t in present)
    ml = tuple(t for t in ML_TOPICS if t in present)
    matrix = topic_cooccurrence(repos, data + ml).with_columns(
        pl.col("a").is_in(data).alias("a_is_data"), pl.col("b").is_in(data).alias("b_is_data")
    )
    return matrix, {"modularity": modularity(matrix, data, ml), **overlap(repos, data, ml)}


def modularity(matrix: pl.DataFrame, left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """Newman's weighted modularity of the split {left, right} of the co-occurrence graph."""
    graph = nx.Graph()
    graph.add_nodes_from(left + right)
    graph.add_weighted_edges_from(
        (a, b, w) for a, b, w in matrix.select("a", "b", "repos").iter_rows() if a < b and w > 0
    )
    if graph.size(weight="weight") == 0:
        return float("nan")
    return float(nx.community.modularity(graph, [set(left), set(right)], weight="weight"))


def overlap(repos: pl.DataFrame, data: tuple[str, ...], ml: tuple[str, ...]) -> dict[str, float]:
    """How many repositories carry a data-engineering topic, and the share of them with an ML topic."""
    sets = [set(t or []) for t in repos["topics"].to_list()]
    with_data = [s for s in sets if s & set(data)]
    share = sum(1 for s in with_data if s & set(ml)) / len(with_data) if with_data else float("nan")
    return {"data_repos": len(with_data), "data_with_ml_share": share, "ml_repos": sum(1 for s in sets if s & set(ml))}
