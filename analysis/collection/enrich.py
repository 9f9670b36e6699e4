"""`analysis enrich`: per-repository counts and activity, through GitHub's GraphQL API.

GraphQL answers many repositories per request (`nodes(ids:)`), where REST would need
one call per repository and metric. Two phases, each response stored in the snapshot:
- counts: stars, forks, watchers, issues, pull requests, releases, commits: 50 repos a query;
- activity: who opened issues and pull requests, and when: the first 100 of each for 25
  repositories a query, then per repository, 100 a page, for the few that have more.
GraphQL has no ETags, so a stored response is reused as it is: a killed run resumes.
A repository deleted or made private since the search comes back as a null node with a
NOT_FOUND error; `analysis build` records it as unavailable.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from analysis.collection.github import GitHub, GitHubError, Response
from analysis.collection.progress import Phase
from analysis.collection.store import SnapshotStore

COUNTS_BATCH = 50
ACTIVITY_BATCH = 25
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
    return {"RepoCounts": COUNTS_QUERY, "RepoActivity": ACTIVITY_QUERY}[operation]


def batches(ids: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class Enricher:
    """Run the enrichment phases for the repositories of a snapshot."""

    def __init__(self, github: GitHub, store: SnapshotStore):
        self.github = github
        self.store = store

    def query(self, operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        """A stored answer if there is one, else ask GitHub and store the answer."""
        params = {"operation": operation, "variables": variables}
        stored = self.store.lookup("POST", GRAPHQL, params)
        if stored:
            return self.store.body(stored)
        response = self.github.graphql(query_text(operation, variables), variables)
        self.check(operation, response)
        self.store.record("POST", GRAPHQL, params, response, phase=operation)
        return response.body

    @staticmethod
    def check(operation: str, response: Response) -> None:
        body = response.body
        if response.status != 200 or not isinstance(body, dict):
            raise GitHubError(f"GraphQL {operation}: HTTP {response.status}")
        errors = [e for e in body.get("errors") or [] if e.get("type") != "NOT_FOUND"]
        if errors or not isinstance(body.get("data"), dict):
            message = "; ".join(str(e.get("message")) for e in errors) or "no data"
            raise GitHubError(f"GraphQL {operation}: {message}")

    def counts(self, node_ids: list[str], phase: Phase) -> None:
        for batch in batches(node_ids, COUNTS_BATCH):
            self.query("RepoCounts", {"ids": batch})
            phase.advance(f"{len(batch)} repositories", self.github.budget)

    def activity(self, node_ids: list[str], phase: Phase) -> None:
        """First pages for every repository, then further pages for those that have more."""
        frontier: dict[str, tuple[dict, dict]] = {}  # node id -> (issues, pulls) pageInfo
        for batch in batches(node_ids, ACTIVITY_BATCH):
            data = self.query("RepoActivity", {"ids": batch})["data"]
            phase.advance(f"{len(batch)} repositories", self.github.budget)
            for node in filter(None, data["nodes"]):
                self.note_more(frontier, node["id"], node["issues"]["pageInfo"], node["pullRequests"]["pageInfo"])
        while frontier:  # each round fetches the next page of every repository still open
            ids, current, frontier = sorted(frontier), frontier, {}
            phase.extend(-(-len(ids) // ACTIVITY_BATCH))
            for batch in batches(ids, ACTIVITY_BATCH):
                variables: dict[str, Any] = {}
                for k, node_id in enumerate(batch):
                    issues, pulls = current[node_id]
                    variables |= {f"id{k}": node_id, f"i{k}": issues["endCursor"], f"p{k}": pulls["endCursor"],
                                  f"mi{k}": issues["hasNextPage"], f"mp{k}": pulls["hasNextPage"]}
                data = self.query("RepoActivityMore", variables)["data"]
                phase.advance(f"{len(batch)} repositories with more pages", self.github.budget)
                for k, node_id in enumerate(batch):
                    node = data.get(f"r{k}")
                    if node is None:  # deleted between two pages
                        continue
                    done = {"hasNextPage": False, "endCursor": None}
                    self.note_more(frontier, node_id,
                                   node["issues"]["pageInfo"] if variables[f"mi{k}"] else done,
                                   node["pullRequests"]["pageInfo"] if variables[f"mp{k}"] else done)

    @staticmethod
    def note_more(frontier: dict[str, tuple[dict, dict]], node_id: str, issues: dict, pulls: dict) -> None:
        if issues["hasNextPage"] or pulls["hasNextPage"]:
            done = {"hasNextPage": False, "endCursor": None}
            frontier[node_id] = (issues if issues["hasNextPage"] else done, pulls if pulls["hasNextPage"] else done)
