"""Snapshot pages -> tidy tables: one row per repository, and a data-quality report.

Deduplication rule (also stated in data/README.md): a repository returned more than
once is kept once, from the observation with the latest `updated_at` (the freshest
state GitHub showed us); ties go to the observation fetched last (later in the
manifest, later on its page). `matched_queries` is the union over all observations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import polars as pl
import pyarrow as pa

from analysis.records import License, Owner, Repo
from analysis.snapshot import SearchPage

#: The tidy schema of repos.parquet, in column order (GitHub's names where they exist).
REPO_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "node_id": pl.String(),
    "full_name": pl.String(),
    "owner_login": pl.String(),
    "owner_type": pl.String(),
    "name": pl.String(),
    "description": pl.String(),
    "created_at": pl.String(),  # parsed to UTC datetimes after construction
    "updated_at": pl.String(),
    "pushed_at": pl.String(),
    "stargazers_count": pl.Int64(),
    "forks_count": pl.Int64(),
    "open_issues_count": pl.Int64(),
    "size": pl.Int64(),
    "language": pl.String(),
    "license_key": pl.String(),
    "topics": pl.List(pl.String()),
    "fork": pl.Boolean(),
    "archived": pl.Boolean(),
    "is_template": pl.Boolean(),
    "has_issues": pl.Boolean(),
    "has_wiki": pl.Boolean(),
    "has_pages": pl.Boolean(),
    "has_discussions": pl.Boolean(),
    "homepage": pl.String(),
    "matched_queries": pl.List(pl.String()),
}
DATETIME_COLUMNS = ("created_at", "updated_at", "pushed_at")
TOPIC_QUALIFIER = re.compile(r"(?:^|\s)topic:([a-z0-9][a-z0-9-]*)")


def queried_topics(query: str) -> list[str]:
    """The topics a search query requires (`topic:x`), ignoring exclusions (`-topic:x`)."""
    return TOPIC_QUALIFIER.findall(query)


ROW_COLUMNS = [name for name in REPO_SCHEMA if name != "matched_queries"]
ARROW_TYPES = {pl.Int64(): pa.int64(), pl.String(): pa.string(), pl.Boolean(): pa.bool_()}


NO_OWNER = Owner()
NO_LICENSE = License()


def flatten(item: Repo) -> tuple:
    """One search result -> one tidy row in ROW_COLUMNS order. Absent fields become null."""
    owner = item.owner or NO_OWNER
    return (
        item.id,
        item.node_id,
        item.full_name,
        owner.login,
        owner.type,
        item.name,
        item.description or None,
        item.created_at,
        item.updated_at,
        item.pushed_at,
        item.stargazers_count,
        item.forks_count,
        item.open_issues_count,
        item.size,
        item.language,
        (item.license or NO_LICENSE).key,
        item.topics or [],
        item.fork,
        item.archived,
        item.is_template,
        item.has_issues,
        item.has_wiki,
        item.has_pages,
        item.has_discussions,
        item.homepage or None,
    )


def list_column(values: list[list[str]]) -> pa.Array:
    """A list<string> column from Python lists, via flat values and offsets (fast in Arrow)."""
    offsets = pa.array([0, *accumulate(len(v) for v in values)], pa.int32())
    return pa.ListArray.from_arrays(offsets, pa.array([x for v in values for x in v], pa.string()))


def repos_frame(rows: list[tuple], matched: list[list[str]]) -> pl.DataFrame:
    """Assemble flattened rows into the REPO_SCHEMA frame, with datetimes parsed as UTC."""
    # pa.array converts lists of strings far faster than tuples, hence map(list, ...).
    columns = (
        dict(zip(ROW_COLUMNS, map(list, zip(*rows, strict=False)), strict=False))
        if rows
        else {c: [] for c in ROW_COLUMNS}
    )
    columns["matched_queries"] = matched
    arrays = {
        name: list_column(columns[name]) if isinstance(dtype, pl.List) else pa.array(columns[name], ARROW_TYPES[dtype])
        for name, dtype in REPO_SCHEMA.items()
    }
    return pl.DataFrame(pa.table(arrays)).with_columns(
        pl.col(c).str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC", strict=True) for c in DATETIME_COLUMNS
    )


@dataclass
class QueryStats:
    query: str
    pages: int = 0
    incomplete_pages: int = 0
    items: int = 0
    slice_totals: dict[str, int] = field(default_factory=dict)
    ids: set[int] = field(default_factory=set)


@dataclass
class Tidy:
    """The result of tidying a snapshot's search pages."""

    repos: pl.DataFrame
    quality: dict[str, Any]


def tidy(pages: Iterable[SearchPage], as_of: str) -> Tidy:
    """Deduplicate search results into `repos` and count what the snapshot did and did not see."""
    kept: dict[int, tuple[str, tuple]] = {}  # id -> (updated_at, row)
    queries_of: dict[int, set[str]] = {}
    stats: dict[str, QueryStats] = {}
    for page in pages:
        s = stats.setdefault(page.query, QueryStats(page.query))
        s.pages += 1
        s.incomplete_pages += page.incomplete
        s.items += len(page.items)
        if page.total_count is not None:
            slice_key = str(page.entry.get("slice", ""))
            s.slice_totals[slice_key] = max(s.slice_totals.get(slice_key, 0), page.total_count)
        for item in page.items:
            rid = item.id
            s.ids.add(rid)
            queries_of.setdefault(rid, set()).add(page.query)
            updated = item.updated_at or ""
            # Pages arrive in fetch order, so `>=` also gives a tie to the last fetched.
            if rid not in kept or updated >= kept[rid][0]:
                kept[rid] = (updated, flatten(item))
    ids = sorted(kept)
    rows = [kept[i][1] for i in ids]
    matched = [sorted(q) if len(q) > 1 else list(q) for q in map(queries_of.__getitem__, ids)]
    topics_at = ROW_COLUMNS.index("topics")
    topics_of = {rid: row[topics_at] for rid, row in zip(ids, rows, strict=False)}
    return Tidy(repos=repos_frame(rows, matched), quality=quality_report(stats.values(), topics_of, as_of))


def quality_report(stats: Iterable[QueryStats], topics_of: dict[int, list[str]], as_of: str) -> dict[str, Any]:
    """Per query: what the search promised (total_count) against what the snapshot holds."""
    queries = []
    for s in stats:
        wanted = queried_topics(s.query)
        # The whole query's own total_count when it was asked (live collection always asks
        # it first); else the sum over its date slices.
        total = s.slice_totals.get("", sum(s.slice_totals.values())) if s.slice_totals else None
        unique = len(s.ids)
        stale = sum(1 for rid in s.ids if not all(t in topics_of[rid] for t in wanted)) if wanted else None
        queries.append(
            {
                "query": s.query,
                "topics": wanted,
                "total_count": total,
                "items": s.items,
                "unique": unique,
                "duplicates": s.items - unique,
                "missing": None if total is None else total - unique,
                "topic_no_longer_listed": stale,
                "pages": s.pages,
                "incomplete_pages": s.incomplete_pages,
            }
        )
    return {"as_of": as_of, "repositories": len(topics_of), "queries": queries}
