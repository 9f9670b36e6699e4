"""LDA topics of repository descriptions, with the number of topics chosen by coherence.

Criterion (stated in the paper): over a grid of topic counts, the model whose topics'
top-10 terms have the highest mean normalised pointwise mutual information (NPMI) in
the corpus, a coherence measure that tracks human judgements of topic quality (Röder
et al., 2015). Held-out perplexity is reported alongside; it keeps falling or rising
monotonically on short texts, so it is shown, not used to choose.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.model_selection import train_test_split

from analysis.fingerprint import cached
from analysis.text import clean, merge_inflections

SEED = 42
TOP_TERMS = 10


@dataclass(frozen=True)
class TopicModel:
    k: int
    grid: pl.DataFrame  # k, coherence, perplexity
    terms: pl.DataFrame  # topic, rank, term, weight
    assignments: pl.DataFrame  # id, topic (dominant), share
    names: dict[int, str]


def documents(repos: pl.DataFrame) -> pl.DataFrame:
    """Repositories with a non-empty cleaned description, plurals merged into their singular."""
    docs = repos.select(
        "id",
        "full_name",
        "stargazers_count",
        pl.col("description").map_elements(clean, return_dtype=pl.String).alias("text"),
    ).filter(pl.col("text").str.len_chars() > 0)
    return docs.with_columns(pl.Series("text", merge_inflections(docs["text"].to_list()), dtype=pl.String))


def vectorize(
    texts: list[str],
    domain_stop_words: Collection[str] = (),
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Term counts; the topic's own stop words (words its descriptions share by construction, held in
    notebook 03's parameters) go too, beside English ones."""
    vectorizer = CountVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | set(domain_stop_words)),
        min_df=5,
        max_df=0.5,
        token_pattern=r"(?u)\b[a-z][a-z0-9+#]+\b",
    )
    counts = vectorizer.fit_transform(texts)
    return counts.tocsr(), vectorizer.get_feature_names_out()


def npmi_coherence(binary: sparse.csr_matrix, top: np.ndarray) -> float:
    """Mean NPMI over pairs of a topic's top terms, from document co-occurrence."""
    n = binary.shape[0]
    sub = binary[:, top]
    p = np.asarray(sub.sum(axis=0)).ravel() / n
    joint = (sub.T @ sub).toarray() / n
    scores = []
    for i in range(len(top)):
        for j in range(i + 1, len(top)):
            if joint[i, j] == 0:
                scores.append(-1.0)
            else:
                pmi = np.log(joint[i, j] / (p[i] * p[j]))
                scores.append(pmi / -np.log(joint[i, j]))
    return float(np.mean(scores))


def fit(counts: sparse.csr_matrix, k: int) -> LatentDirichletAllocation:
    return LatentDirichletAllocation(n_components=k, learning_method="batch", max_iter=25, random_state=SEED).fit(
        counts
    )


def top_term_indices(model: LatentDirichletAllocation, n: int = TOP_TERMS) -> np.ndarray:
    return np.argsort(-model.components_, axis=1)[:, :n]


#: Fewer described repositories than this cannot give terms in 5 descriptions and in under half of them.
MIN_DOCUMENTS = 50


def shortfall(repos: pl.DataFrame) -> str | None:
    """Why topics cannot be modelled on this snapshot, in one sentence; None if they can."""
    n = documents(repos).height if repos.height else 0
    if n >= MIN_DOCUMENTS:
        return None
    return f"Topics are not modelled: {n} repositories have a description, fewer than {MIN_DOCUMENTS}."


#: Topic counts tried; 20 is the talk's (chosen there without a criterion).
GRID = (3, 4, 5, 6, 8, 10, 12, 15, 20)


def score(
    counts: sparse.csr_matrix, binary: sparse.csr_matrix, train: np.ndarray, test: np.ndarray, k: int
) -> dict[str, float]:
    """One grid point: coherence of the topics fitted on `train`, perplexity on `test`."""
    model = fit(counts[train], k)
    coherence = np.mean([npmi_coherence(binary, t) for t in top_term_indices(model)])
    return {"k": k, "coherence": float(coherence), "perplexity": float(model.perplexity(counts[test]))}


@cached
def choose(repos: pl.DataFrame, ks: Sequence[int] = GRID, domain_stop_words: Collection[str] = ()) -> TopicModel:
    """Fit the grid on 80% of descriptions, pick k by coherence, refit it on all of them.

    The grid points are independent, so they are fitted on all cores (each with the same
    seed as when fitted one by one); the result is cached on disk, keyed by its inputs.
    """
    docs = documents(repos)
    counts, vocab = vectorize(docs["text"].to_list(), domain_stop_words)
    binary = (counts > 0).astype(np.int32).tocsr()
    train, test = train_test_split(np.arange(counts.shape[0]), test_size=0.2, random_state=SEED)
    grid = pl.DataFrame(Parallel(n_jobs=-1)(delayed(score)(counts, binary, train, test, k) for k in ks))
    best = int(grid.sort(["coherence", "k"], descending=[True, False])["k"][0])
    model = fit(counts, best)
    weights = model.components_ / model.components_.sum(axis=1, keepdims=True)
    tops = top_term_indices(model)
    terms = pl.DataFrame(
        [
            {"topic": t + 1, "rank": r + 1, "term": str(vocab[i]), "weight": float(weights[t, i])}
            for t in range(best)
            for r, i in enumerate(tops[t])
        ]
    )
    mix = model.transform(counts)
    assignments = docs.select("id").with_columns(
        pl.Series("topic", mix.argmax(axis=1) + 1), pl.Series("share", mix.max(axis=1))
    )
    names = {t + 1: " · ".join(str(vocab[i]) for i in tops[t][:3]) for t in range(best)}
    return TopicModel(k=best, grid=grid, terms=terms, assignments=assignments, names=names)


def topic_table(tm: TopicModel, repos: pl.DataFrame) -> pl.DataFrame:
    """Each topic: short name, top terms, repositories (dominant topic), most-starred example."""
    joined = tm.assignments.join(repos.select("id", "full_name", "stargazers_count"), on="id")
    rows = []
    for topic in range(1, tm.k + 1):
        members = joined.filter(pl.col("topic") == topic).sort("stargazers_count", descending=True)
        rows.append(
            {
                "topic": topic,
                "name": tm.names[topic],
                "top_terms": ", ".join(tm.terms.filter(pl.col("topic") == topic).sort("rank")["term"].to_list()),
                "repositories": members.height,
                "example": members["full_name"][0] if members.height else "",
            }
        )
    return pl.DataFrame(rows)
