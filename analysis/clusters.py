"""Clusters of repositories on scaled numeric features: DBSCAN, compared with k-means.

Counts (stars, forks, open issues) span five orders of magnitude, so they enter as
log1p: on the raw scale a handful of famous projects would be the only variance PCA
and DBSCAN see. Ages are in years; `has_*` flags are 0/1 (missing counts as 0).

Binary flags, standardised, put gaps between their combinations that no continuous feature
has, so density clusters with them are flag combinations whatever the flags mean: the study
clusters the DESCRIPTIVE features, and judges them against a null reference (`cluster_null`);
the model with the flags is shown only beside it, in the robustness table.

scikit-learn is imported inside the functions that fit (a second of CPU): every notebook kernel and report
imports this module, and most fit nothing (the models are cached, or the snapshot is too small).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from analysis import scalars, tables
from analysis.dates import YEAR_DAYS, years_since
from analysis.fingerprint import cached_on

SEED = 42
FLAGS = ("has_issues", "has_wiki", "has_pages", "has_discussions")
DESCRIPTIVE = ("log_stars", "log_forks", "log_open_issues", "age_years", "years_since_push")
FEATURES = (*DESCRIPTIVE, *FLAGS)
VARIANCE_KEPT = 0.9
#: The repositories' columns the features are made from: the models are keyed by these alone (a renamed
#: repository, say, reuses them).
READS = ("id", "stargazers_count", "forks_count", "open_issues_count", "created_at", "pushed_at", *FLAGS)


#: Fewer repositories than this leave DBSCAN too few neighbours to find any density.
MIN_REPOS = 30


def shortfall(repos: pl.DataFrame) -> str | None:
    """Why repositories cannot be clustered on this snapshot, in one sentence; None if they can."""
    if repos.height >= MIN_REPOS:
        return None
    return f"Repositories are not clustered: the snapshot holds {repos.height}, fewer than {MIN_REPOS}."


def silhouette_text(value: float | None) -> str:
    """A silhouette for prose; DBSCAN's is undefined when it finds fewer than two clusters."""
    return "undefined (fewer than two clusters)" if value is None else tables.number(value)


#: eps values of the sensitivity sweep, as multiples of the eps read at the knee.
EPS_SCALES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5)


def features(repos: pl.DataFrame, as_of: str) -> pl.DataFrame:
    """id plus the model features, one row per repository."""
    return repos.select(
        "id",
        pl.col("stargazers_count").log1p().alias("log_stars"),
        pl.col("forks_count").log1p().alias("log_forks"),
        pl.col("open_issues_count").log1p().alias("log_open_issues"),
        years_since("created_at", as_of).alias("age_years"),
        years_since("pushed_at", as_of).alias("years_since_push"),
        *(pl.col(f).fill_null(False).cast(pl.Float64) for f in FLAGS),
    )


def knee(values: np.ndarray) -> int:
    """Index of the point farthest from the chord joining the ends of a sorted curve."""
    x = np.linspace(0, 1, len(values))
    y = (values - values[0]) / (values[-1] - values[0] or 1)
    return int(np.argmax(np.abs(y - x)))


@dataclass(frozen=True)
class Clustering:
    points: pl.DataFrame  # id, pc1, pc2, dbscan, kmeans
    kdistance: pl.DataFrame  # rank, distance (sorted k-th neighbour distances)
    eps: float
    min_samples: int
    components: int
    explained: list[float]
    dbscan_silhouette: float | None
    noise_share: float
    kmeans_k: int
    kmeans_silhouette: float
    silhouette_with_noise: float | None  # DBSCAN's, with the noise counted as one more group
    sweep: pl.DataFrame  # eps, clusters, noise_share
    flags: bool  # whether the has_* flags were features


def silhouette(reduced: np.ndarray, labels: np.ndarray) -> float | None:
    """Silhouette of the labelling; None with fewer than two groups."""
    from sklearn.metrics import silhouette_score

    return float(silhouette_score(reduced, labels)) if len(set(labels)) > 1 else None


def dbscan(reduced: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    from sklearn.cluster import DBSCAN

    return DBSCAN(eps=eps, min_samples=min_samples, n_jobs=-1).fit_predict(reduced)


@cached_on(*READS)
def cluster(repos: pl.DataFrame, as_of: str, flags: bool = True) -> Clustering:
    """PCA, then DBSCAN with eps at the k-distance knee, and k-means with k by silhouette; DBSCAN again
    over a sweep of eps, and silhouettes with and without the noise. `flags=False` leaves the has_* flags
    out of the features (the DESCRIPTIVE ones).

    Neighbour searches use all cores; the result is cached on disk, keyed by its inputs (READS of the repositories).
    """
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score
    from sklearn.neighbors import NearestNeighbors
    from sklearn.preprocessing import StandardScaler

    table = features(repos, as_of)
    names = FEATURES if flags else tuple(f for f in FEATURES if f not in FLAGS)
    scaled = StandardScaler().fit_transform(table.select(names).to_numpy())
    pca = PCA(random_state=SEED).fit(scaled)
    # Enough components for VARIANCE_KEPT, and at least the two the PCA-plane figure shows.
    components = max(2, int(np.searchsorted(np.cumsum(pca.explained_variance_ratio_), VARIANCE_KEPT) + 1))
    reduced = pca.transform(scaled)[:, :components]
    min_samples = 2 * components  # a common rule of thumb (Sander et al., 1998)
    distances = NearestNeighbors(n_neighbors=min_samples, n_jobs=-1).fit(reduced).kneighbors(reduced)[0][:, -1]
    curve = np.sort(distances)
    eps = float(curve[knee(curve)])
    if eps <= 0:  # many identical repositories: use the smallest distance that separates any
        positive = curve[curve > 0]
        eps = float(positive.min()) if positive.size else 1e-6
    db = dbscan(reduced, eps, min_samples)
    clustered = db >= 0
    sweep = []
    for scale in EPS_SCALES:
        labels = db if scale == 1.0 else dbscan(reduced, scale * eps, min_samples)
        sweep.append(
            {
                "eps": scale * eps,
                "clusters": len(set(labels[labels >= 0])),
                "noise_share": float((labels < 0).mean()),
            }
        )
    km_scores = {
        k: silhouette_score(reduced, KMeans(k, n_init=10, random_state=SEED).fit_predict(reduced)) for k in range(2, 9)
    }
    km_k = max(km_scores, key=km_scores.__getitem__)
    km = KMeans(km_k, n_init=10, random_state=SEED).fit_predict(reduced)
    points = table.select("id").with_columns(
        pl.Series("pc1", reduced[:, 0]),
        pl.Series("pc2", reduced[:, 1]),
        pl.Series("dbscan", db),
        pl.Series("kmeans", km + 1),
    )
    return Clustering(
        points=points,
        kdistance=pl.DataFrame({"rank": np.arange(len(curve)), "distance": curve}),
        eps=eps,
        min_samples=min_samples,
        components=components,
        explained=[float(v) for v in pca.explained_variance_ratio_[:components]],
        dbscan_silhouette=silhouette(reduced[clustered], db[clustered]),
        noise_share=float((~clustered).mean()),
        kmeans_k=km_k,
        kmeans_silhouette=float(km_scores[km_k]),
        silhouette_with_noise=silhouette(reduced, db),
        sweep=pl.DataFrame(sweep, schema={"eps": pl.Float64, "clusters": pl.Int64, "noise_share": pl.Float64}),
        flags=flags,
    )


def found(c: Clustering) -> int:
    """DBSCAN's number of clusters (its noise is not one)."""
    return int(c.points.filter(pl.col("dbscan") >= 0)["dbscan"].n_unique())


def headline(c: Clustering, margin: float | None) -> str:
    """The clustering's result in a slide title's few words: a finding only when it beats its null reference
    (`margin`: k-means' silhouette above the reference's; None when it does not beat it)."""
    if margin is None:
        return "Repositories form no clusters that beat the same features permuted"
    return f"k-means' {c.kmeans_k} clusters beat permuted features (silhouette {tables.number(margin, '+.2f')})"


def span(values: np.ndarray, spec: str = "%") -> str:
    """ "a to b" of an array's range, or one value when they are equal; `spec` "%" writes shares."""
    low, high = (tables.percent(x) if spec == "%" else tables.number(x, spec) for x in (values.min(), values.max()))
    return low if low == high else f"{low} to {high}"


def flags_text(c: Clustering, with_flags: Clustering) -> str:
    """What the eps sweep finds, and why the model with the has_* flags is not read."""
    eps, counts = span(c.sweep["eps"].to_numpy(), ".2f"), span(c.sweep["clusters"].to_numpy(), ".0f")
    noise = span(c.sweep["noise_share"].to_numpy())
    n = found(with_flags)
    return (
        f"Over eps from {eps} DBSCAN finds {counts} clusters and leaves {noise} of repositories as noise. With the"
        f" four has_* flags (issues, wiki, pages, discussions) among the features it finds {n}"
        f" cluster{'' if n == 1 else 's'}, but standardised binary flags put gaps between their combinations"
        " whatever the flags mean, so that model is not read."
    )


def profile(
    c: Clustering,
    repos: pl.DataFrame,
    as_of: str,
    topics: pl.DataFrame,
    topic_names: dict[int, str],
    by: str = "dbscan",
) -> pl.DataFrame:
    """Per cluster: size, median stars, age (years) and days since the last push, dominant LDA topic, examples."""
    joined = (
        c.points.join(features(repos, as_of), on="id")
        .join(repos.select("id", "full_name", "stargazers_count"), on="id")
        .join(topics.select("id", "topic"), on="id", how="left")
    )
    rows = []
    for label in sorted(joined[by].unique().to_list()):
        members = joined.filter(pl.col(by) == label).sort("stargazers_count", descending=True)
        dominant = members["topic"].drop_nulls().mode().sort()
        rows.append(
            {
                "cluster": "noise" if label < 0 else str(label),
                "size": members.height,
                "median_stars": round(scalars.number(members["stargazers_count"].median())),
                "median_age_years": scalars.number(members["age_years"].median()),
                "median_days_since_push": round(YEAR_DAYS * scalars.number(members["years_since_push"].median())),
                "dominant_topic": f"{int(dominant[0])}: {topic_names[int(dominant[0])]}" if dominant.len() else "",
                "examples": ", ".join(members["full_name"].head(3).to_list()),
            }
        )
    return pl.DataFrame(rows)
