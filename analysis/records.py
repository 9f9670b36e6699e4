"""Typed schemas of recorded responses (search, and enrichment's GraphQL), checked by msgspec.

Every field the build reads has a type, and nothing is coerced: `"12"` is not a count,
12.5 is not an integer, `true` is not an id, `"mlops"` is not a list of topics, a
timestamp is GitHub's UTC form `YYYY-MM-DDTHH:MM:SSZ` and nothing else, and counts fit
in int64. Fields the build does not read are skipped unparsed, which is also why
msgspec decodes a page faster than `json` does.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

Stamp = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Id = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]


class Owner(msgspec.Struct):
    login: str | None = None
    type: str | None = None


class License(msgspec.Struct):
    key: str | None = None


class Repo(msgspec.Struct):
    """One search result: the fields repos.parquet keeps (data/README.md)."""

    id: Id
    node_id: str | None = None
    full_name: str | None = None
    owner: Owner | None = None
    name: str | None = None
    description: str | None = None
    created_at: Stamp | None = None
    updated_at: Stamp | None = None
    pushed_at: Stamp | None = None
    stargazers_count: Count | None = None
    forks_count: Count | None = None
    open_issues_count: Count | None = None
    size: Count | None = None
    language: str | None = None
    license: License | None = None
    topics: list[str] | None = None
    fork: bool | None = None
    archived: bool | None = None
    is_template: bool | None = None
    has_issues: bool | None = None
    has_wiki: bool | None = None
    has_pages: bool | None = None
    has_discussions: bool | None = None
    homepage: str | None = None


class SearchResponse(msgspec.Struct):
    items: list[Repo]
    total_count: Count | None = None
    incomplete_results: bool | None = None


# -- GraphQL answers stored by enrichment (analysis/collection/enrich.py asks them) --------------
class Total(msgspec.Struct):
    totalCount: Count


class Release(msgspec.Struct):
    publishedAt: Stamp | None = None


class Commit(msgspec.Struct):
    history: Total | None = None


class Ref(msgspec.Struct):
    target: Commit | None = None


class RepoCounts(msgspec.Struct):
    nameWithOwner: str | None = None
    stargazerCount: Count | None = None
    forkCount: Count | None = None
    watchers: Total | None = None
    openIssues: Total | None = None
    closedIssues: Total | None = None
    openPullRequests: Total | None = None
    mergedPullRequests: Total | None = None
    closedPullRequests: Total | None = None
    releases: Total | None = None
    latestRelease: Release | None = None
    defaultBranchRef: Ref | None = None


class Author(msgspec.Struct):
    login: str


class Event(msgspec.Struct):
    createdAt: Stamp
    author: Author | None = None  # null: GitHub's ghost, a deleted account


class Page(msgspec.Struct):
    nodes: list[Event]


class RepoActivity(msgspec.Struct):
    issues: Page | None = None
    pullRequests: Page | None = None


class GraphQLError(msgspec.Struct):
    type: str | None = None
    path: list[str | int] | None = None


class CountsData(msgspec.Struct):
    nodes: list[RepoCounts | None]


class ActivityData(msgspec.Struct):
    nodes: list[RepoActivity | None]


class CountsAnswer(msgspec.Struct):
    data: CountsData
    errors: list[GraphQLError] = []


class ActivityAnswer(msgspec.Struct):
    data: ActivityData
    errors: list[GraphQLError] = []


class MoreAnswer(msgspec.Struct):
    data: dict[str, RepoActivity | None]  # r<k> per repository (and rateLimit, read as empty)
    errors: list[GraphQLError] = []


# Each kind decodes into its own Struct; read_typed returns Any, and callers know the kind they asked for.
DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    "search": msgspec.json.Decoder(SearchResponse),
    "RepoCounts": msgspec.json.Decoder(CountsAnswer),
    "RepoActivity": msgspec.json.Decoder(ActivityAnswer),
    "RepoActivityMore": msgspec.json.Decoder(MoreAnswer),
}
