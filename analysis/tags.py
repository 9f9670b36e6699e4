"""What kinds of repositories are there? Communities of the GitHub topic tags they carry.

Descriptions are short, but every repository carries topic tags. Tags carried by at least
`min_repos` repositories (the study's own query tags left out: every repository has them) form
a graph weighted by the number of repositories carrying both; Louvain finds its communities
(networkx). Their modularity is compared with that of degree-preserving rewirings of the
repository-tag graph (`nulls.rewire`: each repository keeps its number of tags, each tag its
number of repositories), so a community structure that any tags with these frequencies would
show is not taken for one. Each repository belongs to the community holding most of its kept
tags; a community is named by its most carried tags, with its share of all repositories.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import networkx as nx
import polars as pl
from statsmodels.stats.proportion import proportion_confint

from analysis import nulls, players, tables
from analysis.fingerprint import cached

SEEDS = (42, 43, 44, 45, 46)
REWIRINGS = 20
NAMING_TAGS = 4
LEVEL = 0.95


@dataclass(frozen=True)
class TagCommunities:
    null: nulls.NullComparison  # modularity over Louvain seeds against rewired tags
    communities: pl.DataFrame  # community, name, tags, repos, share, low, high, tasks
    tags: int  # tags in the graph
    repos: int  # all repositories (the shares' denominator)
    tagged: int  # repositories carrying at least one tag of the graph


def kept_tags(repos: pl.DataFrame, min_repos: int, exclude: Collection[str]) -> list[list[str]]:
    """Each repository's tags that at least `min_repos` repositories carry, `exclude` left out."""
    sets = [sorted(set(t or []) - set(exclude)) for t in repos["topics"].to_list()]
    counts = Counter(itertools.chain.from_iterable(sets))
    return [[t for t in s if counts[t] >= min_repos] for s in sets]


def graph(sets: Sequence[Sequence[str]]) -> nx.Graph:
    """Tags joined by the number of repositories carrying both; nodes in a fixed order, so that Louvain's
    result with a seed does not depend on the process's string hashing."""
    g = nx.Graph()
    g.add_nodes_from(sorted({t for s in sets for t in s}))
    for s in sets:
        for a, b in itertools.combinations(sorted(s), 2):
            w = g.get_edge_data(a, b, {"weight": 0})["weight"]
            g.add_edge(a, b, weight=w + 1)
    return g


def best_partition(g: nx.Graph, seed: int) -> tuple[list[set[str]], float]:
    """Louvain's communities of `g` and their weighted modularity (0 for a graph without edges)."""
    if g.size(weight="weight") == 0:
        return [set(g.nodes)], 0.0
    parts = nx.community.louvain_communities(g, weight="weight", seed=seed)
    return parts, float(nx.community.modularity(g, parts, weight="weight"))


def membership(sets: Sequence[Sequence[str]], parts: list[set[str]]) -> list[int | None]:
    """Each repository's community: the one holding most of its tags (the first on ties), None without tags."""
    of = {t: i for i, p in enumerate(parts) for t in p}
    out: list[int | None] = []
    for s in sets:
        votes = Counter(of[t] for t in s)
        out.append(min(votes, key=lambda c: (-votes[c], c)) if votes else None)
    return out


@cached
def compare_sets(
    sets: Sequence[Sequence[str]], seeds: Sequence[int] = SEEDS, rewirings: int = REWIRINGS
) -> tuple[nulls.NullComparison, list[set[str]]]:
    """Modularity of the tag graph's communities (over Louvain seeds) against rewired tag graphs, and the
    communities of the first seed; cached on disk, keyed by the tags."""
    g = graph(sets)
    found = [best_partition(g, s) for s in seeds]
    null = [best_partition(graph(nulls.rewire(sets, seed=r)), seed=r)[1] for r in range(rewirings)]
    return nulls.compare("modularity", [q for _, q in found], null), found[0][0]


def describe(
    sets: Sequence[Sequence[str]], parts: list[set[str]], tools: Sequence[tuple[str, str] | None]
) -> pl.DataFrame:
    """Each community: its most carried tags, repositories whose tags fall mostly in it (share of all, with a
    Wilson interval), and the tasks of the curated tools among them, each tool counted once (`tools`: each
    repository's curated tool and its task, or None)."""
    counts = Counter(itertools.chain.from_iterable(sets))
    member = membership(sets, parts)
    rows = []
    for i, part in enumerate(parts):
        inside = [tool for tool, m in zip(tools, member, strict=True) if m == i]
        low, high = proportion_confint(len(inside), len(sets), alpha=1 - LEVEL, method="wilson")
        found = Counter(task for _, task in {tool for tool in inside if tool is not None})
        rows.append(
            {
                "name": " · ".join(sorted(part, key=lambda t: (-counts[t], t))[:NAMING_TAGS]),
                "tags": len(part),
                "repos": len(inside),
                "share": len(inside) / len(sets),
                "low": float(low),
                "high": float(high),
                "tasks": ", ".join(f"{task} ({n})" for task, n in sorted(found.items(), key=lambda x: (-x[1], x[0]))),
            }
        )
    table = pl.DataFrame(rows).sort(["repos", "name"], descending=[True, False])
    return table.with_row_index("community", offset=1)


def communities(repos: pl.DataFrame, min_repos: int, exclude: tuple[str, ...]) -> TagCommunities:
    """The tag communities of the repositories, against rewired tags. The communities come from the model cache;
    the curated tools among them are matched afresh, so an edit to the curated list always shows."""
    sets = kept_tags(repos, min_repos, exclude)
    null, parts = compare_sets(sets)
    curated = players.curated_tasks()
    tools = [players.curated_tool(name, owner, curated) for name, owner in repos.select("name", "owner_login").rows()]
    table = describe(sets, parts, [None if tool is None else (tool, curated[tool]) for tool in tools])
    return TagCommunities(
        null=null,
        communities=table,
        tags=sum(len(p) for p in parts),
        repos=len(sets),
        tagged=sum(1 for s in sets if s),
    )


#: Fewer tags than this in the graph leave nothing to divide into communities.
MIN_TAGS = 6


def shortfall(repos: pl.DataFrame, min_repos: int, exclude: Collection[str]) -> str | None:
    """Why tag communities cannot be found on this snapshot, in one sentence; None if they can."""
    n = len({t for s in kept_tags(repos, min_repos, exclude) for t in s}) if repos.height else 0
    if n >= MIN_TAGS:
        return None
    return f"Tags are not divided into communities: {n} tags are carried by at least {min_repos} repositories."


def verdict(t: TagCommunities) -> str:
    return nulls.verdict(
        t.null,
        f"The {t.communities.height} communities of the {t.tags} tags carried by enough repositories",
        "the same tags rewired at random across repositories (each keeping its number of tags, each tag its"
        " number of repositories)",
        f"{len(t.null.real)} Louvain seeds and {len(t.null.null)} rewirings",
    )


def table(t: TagCommunities) -> pl.DataFrame:
    """For readers: each community's name, tags, repositories with their share of all (95% interval), tasks."""
    return t.communities.select(
        "name",
        "tags",
        pl.struct("repos", "share", "low", "high")
        .map_elements(
            lambda r: (
                f"{r['repos']:,} ({tables.percent(r['share'])}, {tables.percent(r['low'])} to"
                f" {tables.percent(r['high'])})"
            ),
            return_dtype=pl.String,
        )
        .alias("repos"),
        "tasks",
    )
