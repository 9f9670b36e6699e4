"""`analysis enrich` and `analysis follow`: per-repository answers through GitHub's GraphQL API.

GraphQL answers many repositories per request (`nodes(ids:)`), where REST would need
one call per repository and metric. Two phases, each response stored in the snapshot:
- counts: stars, forks, watchers, issues, pull requests, releases, commits: 50 repos a query;
- activity: who opened issues and pull requests, and when: the first 100 of each for 25
  repositories a query, then per repository, 100 a page, for the few that have more.
GraphQL has no ETags, so a stored response is reused as it is: a killed run resumes.
A repository deleted or made private since the search comes back as a null node with a
NOT_FOUND error; `analysis build` records it as unavailable.

Enrichment degrades, never dies: a batch GitHub cannot answer (a 502 or a timeout, which
GitHub reports after 10 s as a 502 or as a 200 with errors and no data) is split in two
and each half asked again, down to single repositories; a repository that still fails,
or that comes back null with another error (FORBIDDEN, ...), is recorded in `failed`.
Answers are always keyed by the id that was asked, never by the id GitHub returns.

`follow` asks what became of a snapshot's repositories since (name, owner, archived,
last push, stars, forks, open issues, topics, latest release): 100 a query, the most
`nodes(ids:)` takes, so a follow-up of N repositories costs ceil(N/100) requests when
nothing fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from analysis.collection.github import GaveUp, GitHub
from analysis.collection.progress import Phase
from analysis.collection.store import SnapshotStore

COUNTS_BATCH = 50
ACTIVITY_BATCH = 25
FOLLOW_BATCH = 100  # GitHub's limit on `nodes(ids:)`
GRAPHQL = "/graphql"

RATE = "rateLimit { cost remaining resetAt }"
PAGE = "pageInfo { hasNextPage endCursor } nodes { createdAt author { login } }"
COUNTS_QUERY = f"""query RepoCounts($ids: [ID!]!) {{
  {RATE}
  nodes(ids: $ids) {{
    ... on Repository {{
      id databaseId nameWithOwner stargazerCount forkCount
      watchers {{ totalCount }}
      openIssues: issues(states: OPEN) {{ totalCount }}
      closedIssues: issues(states: CLOSED) {{ totalCount }}
      openPullRequests: pullRequests(states: OPEN) {{ totalCount }}
      mergedPullRequests: pullRequests(states: MERGED) {{ totalCount }}
      closedPullRequests: pullRequests(states: CLOSED) {{ totalCount }}
      releases {{ totalCount }}
      latestRelease {{ publishedAt }}
      defaultBranchRef {{ target {{ ... on Commit {{ history {{ totalCount }} }} }} }}
    }}
  }}
}}"""
ACTIVITY_QUERY = f"""query RepoActivity($ids: [ID!]!) {{
  {RATE}
  nodes(ids: $ids) {{
    ... on Repository {{
      id
      issues(first: 100) {{ {PAGE} }}
      pullRequests(first: 100) {{ {PAGE} }}
    }}
  }}
}}"""


FOLLOW_QUERY = f"""query RepoFollow($ids: [ID!]!) {{
  {RATE}
  nodes(ids: $ids) {{
    ... on Repository {{
      id databaseId nameWithOwner owner {{ login }} isArchived isPrivate pushedAt stargazerCount forkCount
      openIssues: issues(states: OPEN) {{ totalCount }}
      repositoryTopics(first: 20) {{ nodes {{ topic {{ name }} }} }}
      latestRelease {{ tagName publishedAt }}
    }}
  }}
}}"""


def more_query(n: int) -> str:
    """Next pages of issues and pull requests for `n` repositories, one alias `r<k>` each."""
    params = ", ".join(
        f"$id{k}: ID!, $i{k}: String, $p{k}: String, $mi{k}: Boolean!, $mp{k}: Boolean!" for k in range(n)
    )
    aliases = "\n".join(
        f"  r{k}: node(id: $id{k}) {{ ... on Repository {{ id"
        f" issues(first: 100, after: $i{k}) @include(if: $mi{k}) {{ {PAGE} }}"
        f" pullRequests(first: 100, after: $p{k}) @include(if: $mp{k}) {{ {PAGE} }} }} }}"
        for k in range(n)
    )
    return f"query RepoActivityMore({params}) {{\n  {RATE}\n{aliases}\n}}"


def query_text(operation: str, variables: dict[str, Any]) -> str:
    if operation == "RepoActivityMore":
        return more_query(sum(1 for name in variables if name.startswith("id")))
    return {"RepoCounts": COUNTS_QUERY, "RepoActivity": ACTIVITY_QUERY, "RepoFollow": FOLLOW_QUERY}[operation]


def batches(ids: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


Variables = Callable[[list[str]], dict[str, Any]]


class Enricher:
    """Run the enrichment phases for the repositories of a snapshot; tally what failed."""

    def __init__(self, github: GitHub, store: SnapshotStore):
        self.github = github
        self.store = store
        self.missing: set[str] = set()  # NOT_FOUND: deleted or made private
        self.failed: dict[str, str] = {}  # node id -> why GitHub gave no answer for it

    def query(self, operation: str, variables: dict[str, Any]) -> dict[str, Any] | str:
        """A stored answer if there is one, else GitHub's (then stored); a message if it failed."""
        params = {"operation": operation, "variables": variables}
        stored = self.store.lookup("POST", GRAPHQL, params)
        if stored:
            return self.store.body(stored)
        try:
            response = self.github.graphql(query_text(operation, variables), variables)
        except GaveUp as e:
            return str(e)
        body = response.body
        if response.status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            errors = body.get("errors") if isinstance(body, dict) else None
            message = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict)) if errors else ""
            return f"HTTP {response.status}: {message or 'no data'}"
        self.store.record("POST", GRAPHQL, params, response, phase=operation)
        return body

    def ask(self, operation: str, ids: list[str], variables_of: Variables) -> Iterator[tuple[list[str], dict]]:
        """(ids, data) answers for `ids`: in one query, or in halves when GitHub cannot answer it."""
        body = self.query(operation, variables_of(ids))
        if isinstance(body, dict):
            self.note_errors(ids, body)
            yield ids, body["data"]
        elif len(ids) == 1:
            self.failed[ids[0]] = body
        else:
            half = len(ids) // 2
            yield from self.ask(operation, ids[:half], variables_of)
            yield from self.ask(operation, ids[half:], variables_of)

    def note_errors(self, ids: list[str], body: dict[str, Any]) -> None:
        """Per-repository errors: `path` is ["nodes", i] or ["r<k>", ...]."""
        for error in body.get("errors") or []:
            path = error.get("path") if isinstance(error, dict) else None
            if not path:
                continue
            k = path[1] if path[0] == "nodes" and len(path) > 1 else str(path[0])[1:]
            try:
                node_id = ids[int(k)]
            except (ValueError, IndexError):
                continue
            if error.get("type") == "NOT_FOUND":
                self.missing.add(node_id)
            else:
                self.failed.setdefault(node_id, f"{error.get('type')}: {error.get('message')}")

    def counts(self, node_ids: list[str], phase: Phase) -> None:
        self.each_batch("RepoCounts", node_ids, COUNTS_BATCH, phase)

    def follow(self, node_ids: list[str], phase: Phase) -> None:
        """What became of each repository: the answers are stored; `missing` and `failed` say the rest."""
        self.each_batch("RepoFollow", node_ids, FOLLOW_BATCH, phase)

    def each_batch(self, operation: str, node_ids: list[str], size: int, phase: Phase) -> None:
        """Ask `operation` for `size` repositories at a time; the stored answers are what counts."""
        for batch in batches(node_ids, size):
            for _ in self.ask(operation, batch, lambda ids: {"ids": ids}):
                pass
            phase.advance(f"{len(batch)} repositories", self.github.budget)

    def activity(self, node_ids: list[str], phase: Phase) -> None:
        """First pages for every repository, then further pages for those that have more."""
        frontier: dict[str, tuple[dict, dict]] = {}  # node id asked -> (issues, pulls) pageInfo
        for batch in batches(node_ids, ACTIVITY_BATCH):
            for ids, data in self.ask("RepoActivity", batch, lambda ids: {"ids": ids}):
                for node_id, node in zip(ids, data["nodes"], strict=False):
                    if node:
                        self.note_more(frontier, node_id, node["issues"]["pageInfo"], node["pullRequests"]["pageInfo"])
            phase.advance(f"{len(batch)} repositories", self.github.budget)
        while frontier:  # each round fetches the next page of every repository still open
            ids, current, frontier = sorted(frontier), frontier, {}
            phase.extend(-(-len(ids) // ACTIVITY_BATCH))

            def more_variables(batch: list[str], current: dict = current) -> dict[str, Any]:
                variables: dict[str, Any] = {}
                for k, node_id in enumerate(batch):
                    issues, pulls = current[node_id]
                    variables |= {
                        f"id{k}": node_id,
                        f"i{k}": issues["endCursor"],
                        f"p{k}": pulls["endCursor"],
                        f"mi{k}": issues["hasNextPage"],
                        f"mp{k}": pulls["hasNextPage"],
                    }
                return variables

            for batch in batches(ids, ACTIVITY_BATCH):
                for asked, data in self.ask("RepoActivityMore", batch, more_variables):
                    for k, node_id in enumerate(asked):
                        node = data.get(f"r{k}")
                        if node is None:  # deleted between two pages, or refused
                            continue
                        issues, pulls = current[node_id]
                        done = {"hasNextPage": False, "endCursor": None}
                        self.note_more(
                            frontier,
                            node_id,
                            node["issues"]["pageInfo"] if issues["hasNextPage"] else done,
                            node["pullRequests"]["pageInfo"] if pulls["hasNextPage"] else done,
                        )
                phase.advance(f"{len(batch)} repositories with more pages", self.github.budget)

    @staticmethod
    def note_more(frontier: dict[str, tuple[dict, dict]], node_id: str, issues: dict, pulls: dict) -> None:
        if issues["hasNextPage"] or pulls["hasNextPage"]:
            done = {"hasNextPage": False, "endCursor": None}
            frontier[node_id] = (issues if issues["hasNextPage"] else done, pulls if pulls["hasNextPage"] else done)
