"""LDA topics of repository descriptions, with the number of topics chosen by coherence.

Criterion (stated in the paper): over a grid of topic counts, the mean normalised pointwise
mutual information (NPMI) of each topic's top-10 terms in the corpus, a coherence measure
that tracks human judgements of topic quality (Röder et al., 2015), averaged over several
seeds, because one seed's ranking of close k is noise. Every k whose mean lies within one
standard error of the best mean cannot be told from it by coherence; among those, the one
with the lowest held-out perplexity (also averaged over seeds) is chosen. Coherence alone
cannot see a topic that is missing (too few topics leave one's terms out of every top-10,
and the rest stay coherent), which perplexity does; alone, perplexity keeps falling or rising
monotonically on short texts, so it only breaks coherence's ties.

scikit-learn is imported inside the functions that fit (a second of CPU): every notebook kernel and report
imports this module, and most fit nothing (the models are cached, or the snapshot is too small).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from joblib import Parallel, delayed
from scipy import sparse

from analysis.fingerprint import cached_on
from analysis.text import clean, merge_inflections

if TYPE_CHECKING:
    from sklearn.decomposition import LatentDirichletAllocation

SEED = 42
#: Seeds of the LDA fits each grid point is averaged over (the first also fits the final model).
SEEDS = (42, 43, 44, 45, 46)
TOP_TERMS = 10


@dataclass(frozen=True)
class TopicModel:
    k: int
    grid: pl.DataFrame  # k, coherence (mean over seeds), coherence_sd, coherence_se, perplexity (mean), tied
    coherence: float  # the chosen k's mean NPMI
    terms: pl.DataFrame  # topic, rank, term, weight
    assignments: pl.DataFrame  # id, topic (dominant), share
    names: dict[int, str]


#: The only columns of the repositories the topic models read.
READS = ("id", "description")


def documents(repos: pl.DataFrame) -> pl.DataFrame:
    """Repositories (id) with a non-empty cleaned description (text), plurals merged into their singular."""
    docs = repos.select("id", pl.col("description").map_elements(clean, return_dtype=pl.String).alias("text")).filter(
        pl.col("text").str.len_chars() > 0
    )
    return docs.with_columns(pl.Series("text", merge_inflections(docs["text"].to_list()), dtype=pl.String))


def vectorize(
    texts: list[str],
    domain_stop_words: Collection[str] = (),
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Term counts; the topic's own stop words (words its descriptions share by construction, held in
    notebook 03's parameters) go too, beside English ones."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

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


def fit(counts: sparse.csr_matrix, k: int, seed: int = SEED) -> LatentDirichletAllocation:
    """scikit-learn's batch variational LDA, its E-step vectorised (`BatchLDA`: same fit, a third of the time)."""
    from analysis.batch_lda import BatchLDA

    return BatchLDA(n_components=k, learning_method="batch", max_iter=25, random_state=seed).fit(counts)


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
    counts: sparse.csr_matrix, binary: sparse.csr_matrix, train: np.ndarray, test: np.ndarray, k: int, seed: int
) -> dict[str, float]:
    """One grid point and seed: coherence of the topics fitted on `train`, perplexity on `test`."""
    model = fit(counts[train], k, seed)
    coherence = np.mean([npmi_coherence(binary, t) for t in top_term_indices(model)])
    return {"k": k, "seed": seed, "coherence": float(coherence), "perplexity": float(model.perplexity(counts[test]))}


def one_se_rule(runs: pl.DataFrame) -> tuple[int, pl.DataFrame]:
    """Per k, coherence's mean, SD and standard error over seeds, and whether it is `tied` with the best
    (mean within one standard error of the best mean); the chosen k is the tied one of lowest mean
    perplexity (the fewest topics if that ties too)."""
    grid = (
        runs.group_by("k")
        .agg(
            pl.col("coherence").mean(),
            pl.col("coherence").std().fill_null(0.0).alias("coherence_sd"),
            pl.col("perplexity").mean(),
            pl.len().alias("seeds"),
        )
        .with_columns((pl.col("coherence_sd") / pl.col("seeds").sqrt()).alias("coherence_se"))
        .sort("k")
    )
    best = grid.sort(["coherence", "k"], descending=[True, False]).row(0, named=True)
    grid = grid.with_columns((pl.col("coherence") >= best["coherence"] - best["coherence_se"]).alias("tied"))
    chosen = grid.filter("tied").sort(["perplexity", "k"])["k"][0]
    return int(chosen), grid.drop("seeds")


@cached_on(*READS)
def choose(
    repos: pl.DataFrame,
    ks: Sequence[int] = GRID,
    domain_stop_words: Collection[str] = (),
    seeds: Sequence[int] = SEEDS,
) -> TopicModel:
    """Fit the grid on 80% of descriptions with each seed, pick k by `one_se_rule`, refit it on all of
    them with the first seed.

    The fits are independent, so they run on all cores (each with the same seed as when fitted
    one by one); the result is cached on disk, keyed by its inputs: the descriptions, not the rest.
    """
    from sklearn.model_selection import train_test_split

    docs = documents(repos)
    counts, vocab = vectorize(docs["text"].to_list(), domain_stop_words)
    binary = (counts > 0).astype(np.int32).tocsr()
    train, test = train_test_split(np.arange(counts.shape[0]), test_size=0.2, random_state=SEED)
    runs = pl.DataFrame(
        Parallel(n_jobs=-1)(delayed(score)(counts, binary, train, test, k, s) for k in ks for s in seeds)
    )
    best, grid = one_se_rule(runs)
    model = fit(counts, best, seeds[0])
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
    coherence = float(grid.filter(pl.col("k") == best)["coherence"][0])
    return TopicModel(k=best, grid=grid, coherence=coherence, terms=terms, assignments=assignments, names=names)


def tied_text(tm: TopicModel) -> str:
    """Which topic counts coherence cannot tell apart, for prose."""
    tied = tm.grid.filter("tied")["k"].to_list()
    worst = int(tm.grid.sort("coherence")["k"][0])
    if len(tied) == 1:
        return (
            f"Averaged over {len(SEEDS)} seeds, k = {tm.k} has the highest coherence, more than one standard error"
            f" above every other k; {worst} topics score lowest."
        )
    ks = ", ".join(str(k) for k in tied[:-1]) + f" and {tied[-1]}"
    return (
        f"Averaged over {len(SEEDS)} seeds, k = {ks} lie within one standard error of the best coherence, so"
        f" coherence cannot tell them apart; of those, held-out perplexity prefers {tm.k}, and {worst} topics"
        " score lowest."
    )


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
