"""`analysis collect`: every repository matching the queries, past the 1,000-result cap.

The search API returns at most 1,000 results per query (10 pages of 100). A query whose
`total_count` is larger is split into `created:` date ranges, recursively, until each
slice is under the cap; each slice is then paged through via the `Link` header.

GitHub promises no stable order between page requests. Pages are asked sorted by
`updated` (newest first), which is stable except for repositories updated while a slice
is paged: those jump to the first page, past the pages already read. So a slice whose
repositories fall short of its `total_count` first has its first page asked again
(`RECHECKS` times, each answer kept beside the first); if it is still short, it is asked
again in two halves, each checked the same way, at most `MAX_REPAIRS` times deep. A slice
still short after that is recorded in `incomplete_slices`, and `collect` fails unless
told to accept it. The slices are recorded in the manifest, with coverage per query.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from analysis.collection.github import GitHub, GitHubError, Response
from analysis.collection.progress import Phase
from analysis.collection.store import SnapshotStore

SEARCH = "/search/repositories"
PER_PAGE = 100
CAP = 1000  # results the search API serves per query
MAX_QUERY_LENGTH = 256
#: " created:2007-10-01T00:00:00Z..2026-11-28T00:00:00Z": what slicing adds to a query.
QUALIFIER_LENGTH = 51
#: How many times a short slice is halved and asked again before it is reported.
MAX_REPAIRS = 4
#: How many times a short slice's first page is asked again before the slice is halved.
RECHECKS = 2
ORDER = {"sort": "updated", "order": "desc"}
MAX_OPERATORS = 5
TOPIC = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
OPERATOR = re.compile(r"\b(AND|OR|NOT)\b")
LINK = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')
#: GitHub opened in 2008; nothing was created before this.
EPOCH = dt.datetime(2007, 10, 1, tzinfo=dt.UTC)
INCOMPLETE_TRIES = 3


class QueryError(ValueError):
    """A topic or search string GitHub would refuse; the message names it."""


def topic_query(topic: str) -> str:
    if not TOPIC.fullmatch(topic):
        raise QueryError(
            f"--topic {topic!r} is not a valid GitHub topic (lowercase letters, digits and hyphens,"
            " starting with a letter or digit, at most 50 characters)"
        )
    return f"topic:{topic}"


def check_query(query: str) -> str:
    query = query.strip()
    if not query:
        raise QueryError("--query is empty")
    if any(not c.isprintable() for c in query):
        raise QueryError(f"--query {query!r} holds a control character (a line break or tab?)")
    room = MAX_QUERY_LENGTH - QUALIFIER_LENGTH
    if len(query) > room:
        raise QueryError(
            f"--query is {len(query)} characters long; GitHub accepts {MAX_QUERY_LENGTH}, and the"
            f" created: range the collector adds takes {QUALIFIER_LENGTH}, so at most {room}"
        )
    if len(OPERATOR.findall(query)) > MAX_OPERATORS:
        raise QueryError(f"--query has more than {MAX_OPERATORS} AND/OR/NOT operators, GitHub's limit")
    if "created:" in query:
        raise QueryError("--query must not carry its own created: qualifier; the collector slices by it")
    return query


def next_page(link: str | None) -> int | None:
    """The page number of the `rel="next"` link, if any."""
    for url, rel in LINK.findall(link or ""):
        if rel == "next":
            pages = parse_qs(urlsplit(url).query).get("page")
            return int(pages[0]) if pages else None
    return None


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def split_range(lo: dt.datetime, hi: dt.datetime, parts: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """`parts` consecutive, non-overlapping, whole-second ranges covering [lo, hi]."""
    seconds = int((hi - lo).total_seconds())
    bounds = [lo + dt.timedelta(seconds=seconds * i // parts) for i in range(parts + 1)]
    ranges = [(bounds[i], bounds[i + 1] - dt.timedelta(seconds=1)) for i in range(parts)]
    ranges[-1] = (ranges[-1][0], hi)
    return [(a, b) for a, b in ranges if a <= b]


@dataclass
class QueryResult:
    query: str
    total_count: int = 0
    ids: set[int] = field(default_factory=set)
    created: dict[int, str] = field(default_factory=dict)  # id -> created_at, to count a slice's share
    slices: list[dict[str, Any]] = field(default_factory=list)
    incomplete_pages: int = 0

    def within(self, lo: dt.datetime, hi: dt.datetime) -> int:
        """Repositories seen so far, on any page, that were created in [lo, hi]."""
        a, b = iso(lo), iso(hi)
        return sum(1 for c in self.created.values() if a <= c <= b)

    @property
    def short_slices(self) -> list[dict[str, Any]]:
        """Slices that stayed short of their total_count after every repair."""
        return [s for s in self.slices if s["unique"] < s["total_count"]]


class SearchCollector:
    """Collect the search results of one or more queries into a snapshot store."""

    def __init__(self, github: GitHub, store: SnapshotStore, phase: Phase, now: dt.datetime):
        self.github = github
        self.store = store
        self.phase = phase
        # Slices end at the first run's start, kept in the manifest, so that a resumed or
        # repeated run asks exactly the same requests (and gets 304s for unchanged pages).
        if "search_until" not in store.manifest:
            store.set("search_until", iso(now))
        self.until = dt.datetime.strptime(store.manifest["search_until"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)

    def run(self, queries: list[str]) -> list[QueryResult]:
        results = [self.collect(q) for q in queries]
        self.store.set("slices", {r.query: r.slices for r in results})
        self.store.set(
            "coverage",
            {
                r.query: {"total_count": r.total_count, "unique": len(r.ids), "incomplete_pages": r.incomplete_pages}
                for r in results
            },
        )
        self.store.set("incomplete_slices", [{"query": r.query, **s} for r in results for s in r.short_slices])
        self.store.commit()
        return results

    def collect(self, query: str) -> QueryResult:
        result = QueryResult(query)
        first = self.page(query, None, 1, result)
        result.total_count = first.body["total_count"]
        if result.total_count > CAP:
            self.split(query, EPOCH, self.until, result.total_count, result)
            return result
        self.follow(query, None, first, result)
        self.recheck(query, None, result.total_count, lambda: len(result.ids), result)
        if len(result.ids) < result.total_count:  # results moved between pages: ask again by halves
            self.split(query, EPOCH, self.until, 2, result, repairs=1)
        else:
            result.slices.append(
                {"slice": None, "total_count": result.total_count, "unique": len(result.ids), "capped": False}
            )
        return result

    def split(
        self, query: str, lo: dt.datetime, hi: dt.datetime, total: int, result: QueryResult, repairs: int = 0
    ) -> None:
        """Split [lo, hi] into enough equal-time parts that each is likely under the cap."""
        parts = min(max(2, math.ceil(total / (CAP * 0.8))), 20)
        for a, b in split_range(lo, hi, parts):
            self.collect_range(query, a, b, result, repairs)

    def collect_range(self, query: str, lo: dt.datetime, hi: dt.datetime, result: QueryResult, repairs: int) -> None:
        qualifier = f"created:{iso(lo)}..{iso(hi)}"
        first = self.page(query, qualifier, 1, result)
        total = first.body["total_count"]
        if total > CAP and hi > lo:  # activity is uneven in time: split this part again
            self.split(query, lo, hi, total, result, repairs)
            return
        self.follow(query, qualifier, first, result)
        # Results seen in this slice, or in an earlier (larger) attempt at the same dates.
        seen = self.recheck(query, qualifier, total, lambda: result.within(lo, hi), result)
        if seen < total and hi > lo and repairs < MAX_REPAIRS:
            self.split(query, lo, hi, 2, result, repairs + 1)  # moved between pages: ask again by halves
            return
        result.slices.append({"slice": qualifier, "total_count": total, "unique": seen, "capped": total > CAP})

    def recheck(
        self, query: str, qualifier: str | None, total: int, seen: Callable[[], int], result: QueryResult
    ) -> int:
        """Ask a short slice's first page again, where repositories updated meanwhile went."""
        for recheck in range(1, RECHECKS + 1):
            if seen() >= total:
                break
            self.page(query, qualifier, 1, result, recheck)
        return seen()

    def follow(self, query: str, qualifier: str | None, first: Response, result: QueryResult) -> None:
        """Page through a (slice of a) query via the Link header, never past the cap."""
        response, page = first, 1
        while (nxt := next_page(response.headers.get("link"))) and nxt * PER_PAGE <= CAP:
            page = nxt
            response = self.page(query, qualifier, page, result)

    def page(self, query: str, qualifier: str | None, page: int, result: QueryResult, recheck: int = 0) -> Response:
        """One search page: conditional on a stored ETag, re-fetched while incomplete."""
        q = f"{query} {qualifier}" if qualifier else query
        params = {"q": q, **ORDER, "per_page": PER_PAGE, "page": page}
        stored = self.store.lookup("GET", SEARCH, params, recheck)
        etag = stored["headers"].get("etag") if stored and not stored.get("incomplete_results") else None
        extra = {"query": query, **({"slice": qualifier} if qualifier else {})}
        for attempt in range(1, INCOMPLETE_TRIES + 1):
            response = self.github.get(SEARCH, params, etag=etag)
            if response.status == 304 and stored:
                self.store.revalidated(stored, response)
                response = Response(200, stored["headers"], self.store.body(stored))
                break
            if response.status != 200 or not isinstance(response.body, dict) or "items" not in response.body:
                message = response.body.get("message") if isinstance(response.body, dict) else None
                raise GitHubError(f"search {q!r} page {page}: HTTP {response.status} {message or ''}".strip())
            if not response.body.get("incomplete_results"):
                self.store.record("GET", SEARCH, params, response, recheck, **extra)
                break
            etag = None  # an incomplete page is fetched afresh
            if attempt == INCOMPLETE_TRIES:
                result.incomplete_pages += 1
                self.store.record("GET", SEARCH, params, response, recheck, incomplete_results=True, **extra)
        for item in response.body["items"]:
            result.ids.add(item["id"])
            result.created[item["id"]] = str(item.get("created_at"))
        self.phase.advance(f"{query}: {len(result.ids):,} repositories", self.github.budget)
        return response
