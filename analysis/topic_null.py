"""LDA topics against the same descriptions with their words shuffled across descriptions.

Shuffling keeps every word's number of descriptions and every description's number of distinct words
(a degree-preserving rewiring of descriptions and their words), and destroys which words share a
description, which is all that topics and their NPMI coherence are made of. Each seed fits
LDA with the chosen number of topics to all descriptions, and to one shuffle of them; the mean NPMI
of the topics' top terms (in the corpus they were fitted to) is compared over the seeds.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import polars as pl
from joblib import Parallel, delayed

from analysis import lda, nulls
from analysis.fingerprint import cached_on


def distinct(texts: Sequence[str]) -> list[str]:
    """Each text with every word once (NPMI counts descriptions, not repeats, and so does the null)."""
    return [" ".join(dict.fromkeys(t.split())) for t in texts]


def shuffle_words(texts: Sequence[str], seed: int) -> list[str]:
    """The texts' words dealt across texts at random, each text keeping its number of distinct words and each
    word its number of texts (`nulls.rewire`)."""
    return [" ".join(words) for words in nulls.rewire([t.split() for t in texts], seed)]


def coherence(texts: Sequence[str], k: int, domain_stop_words: Collection[str], seed: int) -> float:
    """Mean NPMI of the top terms of LDA with k topics fitted to `texts` with `seed`."""
    counts, _ = lda.vectorize(list(texts), domain_stop_words)
    binary = (counts > 0).astype(np.int32).tocsr()
    model = lda.fit(counts, k, seed)
    return float(np.mean([lda.npmi_coherence(binary, t) for t in lda.top_term_indices(model)]))


def compare_texts(
    texts: Sequence[str], k: int, domain_stop_words: Collection[str] = (), seeds: Sequence[int] = lda.SEEDS
) -> nulls.NullComparison:
    """Coherence of the topics of `texts` against that of word-shuffled copies, one fit (and shuffle) per seed."""
    texts = distinct(texts)
    runs = Parallel(n_jobs=-1)(
        delayed(coherence)(shuffle_words(texts, s) if shuffled else texts, k, domain_stop_words, s)
        for shuffled in (False, True)
        for s in seeds
    )
    return nulls.compare("mean NPMI", runs[: len(seeds)], runs[len(seeds) :])


@cached_on(*lda.READS)
def compare(
    repos: pl.DataFrame, k: int, domain_stop_words: Collection[str] = (), seeds: Sequence[int] = lda.SEEDS
) -> nulls.NullComparison:
    """The repositories' described topics (k of them) against word-shuffled descriptions; cached on disk, keyed
    by the descriptions."""
    return compare_texts(lda.documents(repos)["text"].to_list(), k, domain_stop_words, seeds)


def verdict(c: nulls.NullComparison, k: int) -> str:
    return nulls.verdict(
        c,
        f"The {k} topics",
        "the same descriptions with their words shuffled across descriptions",
        f"{len(c.real)} seeds",
    )
