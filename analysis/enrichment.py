"""Stored GraphQL answers -> enrichment tables (one row per repository; PRs per month).

`contributors` counts distinct pull-request authors: the talk's "code contributors".
`issue_authors` counts distinct issue authors: its "bug reporters". Authors whose
account was deleted (GitHub's ghost, a null author) are not counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import polars as pl

from analysis.records import GraphQLError, RepoActivity, RepoCounts, Total
from analysis.snapshot import Snapshot, read_typed, safe_member

GRAPHQL = "/graphql"
ENRICHMENT_SCHEMA = {
    "id": pl.Int64,
    "status": pl.String,
    "name_with_owner": pl.String,
    "stargazers": pl.Int64,
    "forks": pl.Int64,
    "watchers": pl.Int64,
    "open_issues": pl.Int64,
    "closed_issues": pl.Int64,
    "open_pull_requests": pl.Int64,
    "merged_pull_requests": pl.Int64,
    "closed_pull_requests": pl.Int64,
    "releases": pl.Int64,
    "latest_release_at": pl.String,
    "commits": pl.Int64,
    "contributors": pl.Int64,
    "issue_authors": pl.Int64,
    "issues_seen": pl.Int64,
    "pull_requests_seen": pl.Int64,
}


def has_enrichment(snapshot: Snapshot) -> bool:
    return any(e["path"] == GRAPHQL for e in snapshot.requests)


def count(total: Total | None) -> int | None:
    return total.totalCount if total else None


class Activity:
    """Issue and pull-request pages of every repository, accumulated."""

    def __init__(self) -> None:
        self.issue_authors: dict[str, set[str]] = defaultdict(set)
        self.pr_authors: dict[str, set[str]] = defaultdict(set)
        self.issues: Counter[str] = Counter()
        self.pulls: Counter[str] = Counter()
        self.pr_months: Counter[tuple[str, str]] = Counter()

    def add(self, node_id: str, node: RepoActivity) -> None:
        for item in node.issues.nodes if node.issues else ():
            self.issues[node_id] += 1
            if item.author:
                self.issue_authors[node_id].add(item.author.login)
        for item in node.pullRequests.nodes if node.pullRequests else ():
            self.pulls[node_id] += 1
            self.pr_months[(node_id, item.createdAt[:7])] += 1
            if item.author:
                self.pr_authors[node_id].add(item.author.login)


def refused(ids: list[str], errors: list[GraphQLError]) -> dict[str, str]:
    """Null nodes GitHub refused for another reason than NOT_FOUND (FORBIDDEN, ...)."""
    return {
        ids[int(e.path[1])]: str(e.type)
        for e in errors
        if e.type != "NOT_FOUND" and e.path and len(e.path) == 2 and e.path[0] == "nodes"
    }


def enrichment_tables(snapshot: Snapshot, repos: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(enrichment, pull_requests_monthly) from every GraphQL answer in the snapshot."""
    id_of = dict(zip(repos["node_id"].to_list(), repos["id"].to_list(), strict=False))
    name_of = dict(zip(repos["node_id"].to_list(), repos["full_name"].to_list(), strict=False))
    counted: dict[str, RepoCounts | None] = {}
    failed: dict[str, str] = dict((snapshot.enrichment or {}).get("failed") or {})
    activity = Activity()
    for i, entry in enumerate(snapshot.requests):
        if entry["path"] != GRAPHQL:
            continue
        where = f"requests[{i}]"
        path = safe_member(snapshot.folder, entry["file"], where)
        operation = str(entry["params"].get("operation"))
        variables = entry["params"].get("variables", {})
        answer = read_typed(path, where, operation)
        if operation == "RepoCounts":
            counted.update(zip(variables["ids"], answer.data.nodes, strict=False))
            failed = refused(variables["ids"], answer.errors) | failed
        elif operation == "RepoActivity":
            for node_id, node in zip(variables["ids"], answer.data.nodes, strict=False):
                if node:
                    activity.add(node_id, node)
        else:  # RepoActivityMore: one alias r<k> per repository id<k>
            k = 0
            while f"id{k}" in variables:
                if answer.data.get(f"r{k}"):
                    activity.add(variables[f"id{k}"], answer.data[f"r{k}"])
                k += 1
    rows = []
    for node_id, node in {**dict.fromkeys(failed), **counted}.items():
        if node_id not in id_of:
            continue
        row: dict[str, Any] = {"id": id_of[node_id]}
        if node is None and node_id in failed:
            row["status"] = "failed"  # GitHub refused or could not answer; recorded by `enrich`
        elif node is None:
            row["status"] = "unavailable"  # deleted, or made private, since the search
        else:
            renamed = node.nameWithOwner != name_of[node_id]
            target = node.defaultBranchRef.target if node.defaultBranchRef else None
            row |= {
                "status": "renamed" if renamed else "ok",
                "name_with_owner": node.nameWithOwner,
                "stargazers": node.stargazerCount,
                "forks": node.forkCount,
                "watchers": count(node.watchers),
                "open_issues": count(node.openIssues),
                "closed_issues": count(node.closedIssues),
                "open_pull_requests": count(node.openPullRequests),
                "merged_pull_requests": count(node.mergedPullRequests),
                "closed_pull_requests": count(node.closedPullRequests),
                "releases": count(node.releases),
                "latest_release_at": node.latestRelease.publishedAt if node.latestRelease else None,
                "commits": count(target.history) if target else None,
                "contributors": len(activity.pr_authors.get(node_id, ())),
                "issue_authors": len(activity.issue_authors.get(node_id, ())),
                "issues_seen": activity.issues.get(node_id, 0),
                "pull_requests_seen": activity.pulls.get(node_id, 0),
            }
            if node_id in failed:  # counted, but some activity pages are missing
                row["status"] = "failed"
        rows.append(row)
    enrichment = (
        pl.DataFrame(rows, schema=ENRICHMENT_SCHEMA)
        .with_columns(pl.col("latest_release_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"))
        .sort("id")
    )
    monthly = (
        pl.DataFrame(
            [
                {"id": id_of[n], "month": f"{m}-01", "opened": c}
                for (n, m), c in activity.pr_months.items()
                if n in id_of
            ],
            schema={"id": pl.Int64, "month": pl.String, "opened": pl.Int64},
        )
        .with_columns(pl.col("month").str.to_date())
        .sort(["id", "month"])
    )
    return enrichment, monthly
