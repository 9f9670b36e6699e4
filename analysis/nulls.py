"""A model's score against the same score on a null reference built from the same data.

Each model (topics, clusters, tag communities) is scored on the data and on several copies of
the data with the structure under test destroyed (words shuffled across descriptions, feature
rewired with tags). The margin is the difference of the two means, with a 95%
Welch interval over the repetitions; the model is reported as a finding only when the whole
interval lies above zero.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis import tables

LEVEL = 0.95


@dataclass(frozen=True)
class NullComparison:
    """Scores of the model on the data (`real`, one per seed) and on the null reference (`null`)."""

    measure: str  # what is scored, for prose ("mean NPMI", "silhouette", "modularity")
    real: tuple[float, ...]
    null: tuple[float, ...]

    @property
    def real_mean(self) -> float:
        return float(np.mean(self.real))

    @property
    def null_mean(self) -> float:
        return float(np.mean(self.null))

    @property
    def margin(self) -> float:
        return self.real_mean - self.null_mean

    @property
    def interval(self) -> tuple[float, float]:
        """95% Welch interval of the margin (degenerate when neither side varies)."""
        var_r = np.var(self.real, ddof=1) / len(self.real) if len(self.real) > 1 else 0.0
        var_n = np.var(self.null, ddof=1) / len(self.null) if len(self.null) > 1 else 0.0
        se = float(np.sqrt(var_r + var_n))
        if se == 0:
            return self.margin, self.margin
        df = (var_r + var_n) ** 2 / sum(
            v**2 / (n - 1) for v, n in ((var_r, len(self.real)), (var_n, len(self.null))) if n > 1 and v > 0
        )
        half = float(stats.t.ppf(0.5 + LEVEL / 2, df)) * se
        return self.margin - half, self.margin + half

    @property
    def beats(self) -> bool:
        """Whether the model scores above its null reference: the margin's whole interval above zero."""
        return self.interval[0] > 0


def rewire(sets: Sequence[Collection[str]], seed: int, swaps_per_edge: int = 5) -> list[list[str]]:
    """A degree-preserving rewiring of the bipartite graph of items and their members (descriptions and their
    words, repositories and their tags): random swaps (i has u, j has v) -> (i has v, j has u), skipped where
    either would then hold a member twice. Each item keeps its number of members, and each member its number
    of items; which members share an item is randomised."""
    members = [set(s) for s in sets]
    edges = [(i, m) for i, s in enumerate(members) for m in sorted(s)]
    if len(edges) < 2:
        return [sorted(s) for s in members]
    rng = np.random.default_rng(seed)
    for a, b in rng.integers(len(edges), size=(swaps_per_edge * len(edges), 2)):
        (i, u), (j, v) = edges[a], edges[b]
        if i == j or u == v or v in members[i] or u in members[j]:
            continue
        members[i].remove(u)
        members[i].add(v)
        members[j].remove(v)
        members[j].add(u)
        edges[a], edges[b] = (i, v), (j, u)
    return [sorted(s) for s in members]


def compare(measure: str, real: Sequence[float], null: Sequence[float]) -> NullComparison:
    return NullComparison(measure, tuple(float(x) for x in real), tuple(float(x) for x in null))


def numbers(c: NullComparison, spec: str = ".3f") -> str:
    """ "0.012 against −0.004 (margin +0.016, 95% CI +0.002 to +0.030)": signed, with minus signs (U+2212)."""
    low, high = (tables.number(x, f"+{spec}") for x in c.interval)
    real, null, margin = (
        tables.number(c.real_mean, spec),
        tables.number(c.null_mean, spec),
        tables.number(c.margin, f"+{spec}"),
    )
    return f"{real} against {null} (margin {margin}, 95% CI {low} to {high})"


def verdict(c: NullComparison, model: str, null: str, repeats: str) -> str:
    """One sentence with both numbers: whether `model` beats `null`, and so whether it is a finding."""
    said = f"{c.measure} {numbers(c)} over {repeats}"
    if c.beats:
        return f"{model} beat {null}: {said}."
    return f"{model} do not beat {null}: {said}, so they are not reported as a finding."
