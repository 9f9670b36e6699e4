"""Clusters of repositories against the same features with any grouping permuted away.

The features describe the repositories (`clusters.DESCRIPTIVE`: stars, forks and open issues as
log1p, age, time since the last push; the binary has_* flags are left out, because standardised
flags put gaps between their combinations whatever the flags mean). k-means finds clusters in any
data, and its silhouette is well above zero even on one blob, so it is judged against a null
reference: the standardised features rotated onto their principal axes, each axis' values permuted
independently. That keeps the features' correlations and each axis' distribution (skew and ties
included, which a uniform reference would count as clusters), and destroys any grouping that lies
across axes. The score is k-means' best silhouette over k = 2 to 8, on the data and on one
reference per seed.

scikit-learn is imported inside the functions that fit (a second of CPU): every notebook kernel and report
imports this module, and most fit nothing (the models are cached, or the snapshot is too small).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from joblib import Parallel, delayed

from analysis import clusters, nulls
from analysis.fingerprint import cached_on

SEEDS = (42, 43, 44, 45, 46)
KS = range(2, 9)


def best_silhouette(x: np.ndarray, seed: int) -> tuple[int, float]:
    """k-means' number of clusters with the highest silhouette over KS, and that silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    scores = {
        k: float(silhouette_score(x, KMeans(k, n_init=4, random_state=seed).fit_predict(x), random_state=seed))
        for k in KS
    }
    best = max(scores, key=scores.__getitem__)
    return best, scores[best]


def permuted(x: np.ndarray, seed: int) -> np.ndarray:
    """`x` on its principal axes with each axis' values permuted independently (a reference without clusters)."""
    centred = x - x.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    on_axes = centred @ axes.T
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.permutation(on_axes[:, j]) for j in range(on_axes.shape[1])]) @ axes


def compare_features(x: np.ndarray, seeds: Sequence[int] = SEEDS) -> nulls.NullComparison:
    """k-means' best silhouette on the standardised `x` (one k-means seed each) against its permuted reference."""
    from sklearn.preprocessing import StandardScaler

    scaled = StandardScaler().fit_transform(x)
    # Threads, not processes: k-means and the silhouette run in native code, and process workers would each
    # import scikit-learn first (twice the CPU time, measured on 200 and 1,000 rows, for the same result).
    runs = Parallel(n_jobs=-1, prefer="threads")(
        delayed(best_silhouette)(permuted(scaled, s) if null else scaled, s) for null in (False, True) for s in seeds
    )
    scores = [score for _, score in runs]
    return nulls.compare("best k-means silhouette", scores[: len(seeds)], scores[len(seeds) :])


@cached_on(*clusters.READS)
def compare(repos: pl.DataFrame, as_of: str, seeds: Sequence[int] = SEEDS) -> nulls.NullComparison:
    """The repositories' descriptive features against their permuted reference; cached on disk, keyed by the
    columns they are made from."""
    return compare_features(clusters.features(repos, as_of).select(clusters.DESCRIPTIVE).to_numpy(), seeds)


def verdict(c: nulls.NullComparison) -> str:
    return nulls.verdict(
        c,
        "Clusters of the repositories' stars, forks, open issues, age and time since the last push",
        "the same features with their principal axes permuted",
        f"{len(c.real)} seeds",
    )
