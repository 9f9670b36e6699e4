"""A fake GitHub API on 127.0.0.1 for the collector's tests and benchmark.

Serves GitHub's shapes for repository search (filtering by topic and `created:` range,
`total_count` over 1,000, the 1,000-result cap as a 422, `Link` pagination, ETags and
304s) and for the GraphQL operations the collector sends, at github.com's paths or at
GitHub Enterprise's (`/api/v3/...`, `/api/graphql`). Order is realistic: best match (no
`sort`) may shift between requests (`shift`), `sort=updated` is stable except that
repositories get updated while a query is paged (`churn`), and `hidden` repositories are
counted in `total_count` but never served. Faults are injected per request: rate limits of
every kind, 5xx with HTML bodies, slow answers, dropped connections, truncated JSON,
incomplete results, 401, and repositories that disappear. GraphQL can refuse repositories
(`forbidden`), time out on batches larger than `max_batch` (as a 502, or as a 200 with
errors and no data, alternately), and answer with ids other than those asked (`renumber`).

A follow-up (`RepoFollow`) is answered from the repositories as they are now: a test sets
their fates by editing them (a new `full_name` is a rename, or a transfer when the owner
changes; `archived`, `private`, `pushed_at`, `topics`, `_release`) or by listing their node
ids in `deleted` (a null node with a NOT_FOUND error, as for a private repository the
token cannot see).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
TIMEOUT = "Something went wrong while executing your query. This may be the result of a timeout."
HTML_ERROR = "<html><body><h1>Unicorn!</h1><p>This page is taking too long to load.</p></body></html>"


@dataclass
class Fault:
    """Answer the next `times` requests whose path contains `match` with fault `kind`."""

    match: str
    kind: str
    times: int = 1


WORDS = (
    "model",
    "serving",
    "pipeline",
    "kubernetes",
    "monitoring",
    "drift",
    "feature",
    "store",
    "course",
    "tutorial",
    "deploy",
    "registry",
    "experiment",
    "tracking",
    "data",
    "quality",
    "airflow",
    "docker",
    "inference",
    "api",
    "training",
    "notebook",
    "example",
    "platform",
    "library",
    "vision",
    "nlp",
    "forecasting",
    "prediction",
    "workflow",
    "orchestration",
    "cloud",
    "aws",
    "azure",
    "gpu",
    "batch",
)


def make_repos(
    n: int,
    seed: int = 0,
    topics: tuple[str, ...] = ("mlops",),
    start: int = 2016,
    end: int = 2023,
    languages: tuple[str | None, ...] = ("Python", "Go", "Jupyter Notebook", None),
) -> list[dict[str, Any]]:
    """`n` repositories created between `start` and `end`, more of them in later years, in `languages`."""
    rng = random.Random(seed)
    first, last = dt.datetime(start, 1, 1), dt.datetime(end, 1, 1)
    span = (last - first).total_seconds()
    repos = []
    for i in range(n):
        rid = 10_000 + i
        created = first + dt.timedelta(seconds=span * rng.random() ** 0.5)  # growth over time
        repos.append(
            {
                "id": rid,
                "node_id": f"R_{rid}",
                "name": f"repo{rid}",
                "full_name": f"org{rid % 97}/repo{rid}",
                "owner": {"login": f"org{rid % 97}", "type": "Organization" if rid % 3 else "User"},
                "description": " ".join(rng.sample(WORDS, 7)),
                "fork": False,
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "updated_at": "2023-01-10T00:00:00Z",
                "pushed_at": "2023-01-09T00:00:00Z",
                "homepage": None,
                "size": 10 * i,
                "stargazers_count": int(rng.paretovariate(1.2)) - 1,
                "watchers_count": 1,
                "language": rng.choice(languages),
                "forks_count": rng.randint(0, 20),
                "open_issues_count": 0,
                "license": rng.choice([{"key": "mit"}, {"key": "apache-2.0"}, None]),
                "topics": list(topics),
                "archived": False,
                "is_template": False,
                "has_issues": True,
                "has_wiki": True,
                "has_pages": False,
                "has_discussions": False,
                # Most repositories have few issues and pull requests; a few have many pages.
                "_issues": rng.choice([0, 0, 1, 3, 8, 20, 60]) if i % 50 else 230,
                "_pulls": rng.choice([0, 0, 1, 2, 5, 15, 40]) if i % 40 else 260,
            }
        )
    return repos


def public(repo: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in repo.items() if not k.startswith("_")}


@dataclass
class FakeGitHub:
    repos: list[dict[str, Any]]
    token: str | None = None  # when set, requests must carry it (GraphQL always needs one)
    shift: bool = False  # best-match order moves results between pages from one request to the next
    churn: float = 0.0  # chance, per search request, that a matching repository is updated just then
    hidden: set[int] = field(default_factory=set)  # counted in total_count, never returned
    enterprise: bool = False  # serve GitHub Enterprise's paths
    forbidden: set[str] = field(default_factory=set)  # node ids GraphQL refuses (FORBIDDEN)
    max_batch: int | None = None  # GraphQL times out on more repositories than this
    renumber: bool = False  # GraphQL answers with another id than the one asked
    seed: int = 0
    slow_seconds: float = 2.0
    delay: float = 0.0  # added to every answer (gives the kill test time to strike)
    faults: list[Fault] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)  # node ids that no longer resolve
    log: list[tuple[str, str, int]] = field(default_factory=list)
    seen_authorization: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ticks = 0
        self._rng = random.Random(self.seed)
        self._clock = dt.datetime(2023, 1, 19)
        self._by_node = {r["node_id"]: r for r in self.repos}
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}" + ("/api/v3" if self.enterprise else "")
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, path_part: str, status: int | None = None) -> int:
        return sum(1 for _, p, s in self.log if path_part in p and (status is None or s == status))

    def take_fault(self, path: str) -> str | None:
        with self._lock:
            for fault in self.faults:
                if fault.match in path and fault.times > 0:
                    fault.times -= 1
                    return fault.kind
        return None

    def tick(self) -> int:
        with self._lock:
            self._ticks += 1
            return self._ticks

    # -- search ---------------------------------------------------------------------------
    def search(self, params: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str]]:
        q, page, per_page = params["q"], int(params.get("page", 1)), int(params.get("per_page", 30))
        if page * per_page > 1000:
            return 422, {"message": "Only the first 1000 search results are available"}, {}
        terms = q.split()
        wanted = [t[6:] for t in terms if t.startswith("topic:")]
        unwanted = [t[7:] for t in terms if t.startswith("-topic:")]
        lo, hi = "", "~"
        for t in terms:
            if t.startswith("created:"):
                lo, hi = t[8:].split("..")
        matches = [
            r
            for r in self.repos
            if all(w in r["topics"] for w in wanted)
            and not any(u in r["topics"] for u in unwanted)
            and lo <= r["created_at"] <= hi
        ]
        self.tick()
        if params.get("sort") == "updated":
            with self._lock:
                if matches and self._rng.random() < self.churn:  # someone pushes to a repository
                    self._clock += dt.timedelta(minutes=1)
                    self._rng.choice(matches)["updated_at"] = self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")
            ordered = sorted(matches, key=lambda r: (r["updated_at"], r["id"]), reverse=True)
        else:
            ordered = sorted(matches, key=lambda r: (-r["stargazers_count"], r["id"]))
            if self.shift:  # best match: neighbours across page boundaries trade places at random
                for b in range(per_page, len(ordered), per_page):
                    if self._rng.random() < 0.5:
                        ordered[b - 1], ordered[b] = ordered[b], ordered[b - 1]
        ordered = [r for r in ordered if r["id"] not in self.hidden]
        items = [public(r) for r in ordered[(page - 1) * per_page : page * per_page]]
        body = {"total_count": len(matches), "incomplete_results": False, "items": items}
        reachable = min(len(matches), 1000)
        headers = {}
        links = []
        if page * per_page < reachable:
            links.append((page + 1, "next"))
            links.append((-(-reachable // per_page), "last"))
        if links:
            headers["Link"] = ", ".join(
                f'<{self.url}/search/repositories?{urlencode({"q": q, "per_page": per_page, "page": p})}>; rel="{rel}"'
                for p, rel in links
            )
        return 200, body, headers

    # -- GraphQL --------------------------------------------------------------------------
    def graphql(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The answer to a GraphQL query, or None for GitHub's timeout (sent as a 502)."""
        named = re.search(r"query (\w+)", payload["query"])
        assert named, f"the fake answers only named queries, not {payload['query']!r}"
        operation = named.group(1)
        variables = payload["variables"]
        asked = variables.get("ids") or [v for k, v in variables.items() if re.fullmatch(r"id\d+", k)]
        if self.max_batch and len(asked) > self.max_batch:
            return None if self.tick() % 2 else {"data": None, "errors": [{"message": TIMEOUT}]}
        data: dict[str, Any] = {"rateLimit": {"cost": 1, "remaining": 4999, "resetAt": "2030-01-01T00:00:00Z"}}
        errors = []
        if operation in ("RepoCounts", "RepoActivity", "RepoFollow"):
            nodes: list[dict[str, Any] | None] = []
            for i, node_id in enumerate(variables["ids"]):
                repo = self._by_node.get(node_id)
                if repo is None or node_id in self.deleted:
                    nodes.append(None)
                    errors.append(
                        {
                            "type": "NOT_FOUND",
                            "path": ["nodes", i],
                            "message": f"Could not resolve to a node with the global id of '{node_id}'",
                        }
                    )
                elif node_id in self.forbidden:
                    nodes.append(None)
                    errors.append({"type": "FORBIDDEN", "path": ["nodes", i], "message": "SAML enforcement"})
                elif operation == "RepoCounts":
                    nodes.append({**counts(repo), "id": self.answered_id(node_id)})
                elif operation == "RepoFollow":
                    nodes.append({**now(repo), "id": self.answered_id(node_id)})
                else:
                    nodes.append(
                        {
                            "id": self.answered_id(node_id),
                            "issues": activity(repo, "issue", None),
                            "pullRequests": activity(repo, "pull", None),
                        }
                    )
            data["nodes"] = nodes
        elif operation == "RepoActivityMore":
            k = 0
            while f"id{k}" in variables:
                node_id = variables[f"id{k}"]
                repo = self._by_node.get(node_id)
                if repo is None or node_id in self.deleted:
                    data[f"r{k}"] = None
                    errors.append({"type": "NOT_FOUND", "path": [f"r{k}"], "message": "Could not resolve"})
                else:
                    node: dict[str, Any] = {"id": self.answered_id(node_id)}
                    if variables[f"mi{k}"]:
                        node["issues"] = activity(repo, "issue", variables[f"i{k}"])
                    if variables[f"mp{k}"]:
                        node["pullRequests"] = activity(repo, "pull", variables[f"p{k}"])
                    data[f"r{k}"] = node
                k += 1
        else:
            return {"errors": [{"message": f"unknown operation {operation}"}]}
        return {"data": data, **({"errors": errors} if errors else {})}

    def answered_id(self, node_id: str) -> str:
        """The id GitHub returns: the one asked, or (renumber) its newer form."""
        return "N_" + node_id if self.renumber else node_id


def counts(repo: dict[str, Any]) -> dict[str, Any]:
    rid = repo["id"]
    return {
        "id": repo["node_id"],
        "databaseId": rid,
        "nameWithOwner": repo["full_name"] if rid % 29 else repo["full_name"] + "-renamed",
        "stargazerCount": repo["stargazers_count"],
        "forkCount": repo["forks_count"],
        "watchers": {"totalCount": rid % 7},
        "openIssues": {"totalCount": repo["_issues"] // 3},
        "closedIssues": {"totalCount": repo["_issues"] - repo["_issues"] // 3},
        "openPullRequests": {"totalCount": repo["_pulls"] // 5},
        "mergedPullRequests": {"totalCount": repo["_pulls"] // 2},
        "closedPullRequests": {"totalCount": repo["_pulls"] - repo["_pulls"] // 5 - repo["_pulls"] // 2},
        "releases": {"totalCount": rid % 4},
        "latestRelease": {"publishedAt": "2022-06-01T00:00:00Z"} if rid % 4 else None,
        "defaultBranchRef": {"target": {"history": {"totalCount": 10 + rid % 300}}},
    }


def now(repo: dict[str, Any]) -> dict[str, Any]:
    """A repository as a follow-up sees it today, in the shape of `RepoFollow`."""
    release = repo.get("_release")  # (tag, published at) or None
    return {
        "id": repo["node_id"],
        "databaseId": repo["id"],
        "nameWithOwner": repo["full_name"],
        "owner": {"login": repo["full_name"].split("/")[0]},
        "isArchived": repo["archived"],
        "isPrivate": bool(repo.get("private")),
        "pushedAt": repo["pushed_at"],
        "stargazerCount": repo["stargazers_count"],
        "forkCount": repo["forks_count"],
        "openIssues": {"totalCount": repo["open_issues_count"]},
        "repositoryTopics": {"nodes": [{"topic": {"name": t}} for t in repo["topics"][:20]]},
        "latestRelease": {"tagName": release[0], "publishedAt": release[1]} if release else None,
    }


def activity(repo: dict[str, Any], kind: str, cursor: str | None) -> dict[str, Any]:
    """Page of 100 issues or pull requests, oldest first; authors repeat, so distinct < total."""
    total = repo["_issues"] if kind == "issue" else repo["_pulls"]
    start = int(cursor) if cursor else 0
    created = dt.datetime.strptime(repo["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    nodes = [
        {
            "createdAt": (created + dt.timedelta(days=3 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": None if i % 17 == 16 else {"login": f"{kind}er{(repo['id'] + i) % (5 + total // 4)}"},
        }
        for i in range(start, min(start + 100, total))
    ]
    end = start + len(nodes)
    return {"pageInfo": {"hasNextPage": end < total, "endCursor": str(end) if nodes else None}, "nodes": nodes}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.handle_request("GET")

    def do_POST(self) -> None:
        self.handle_request("POST")

    def handle_request(self, method: str) -> None:
        fake = self.fake
        url = urlsplit(self.path)
        if fake.enterprise:  # REST under /api/v3, GraphQL at /api/graphql
            path = (
                url.path.removeprefix("/api/v3")
                if url.path.startswith("/api/v3/")
                else ("/graphql" if url.path == "/api/graphql" else "/not-enterprise" + url.path)
            )
            url = url._replace(path=path)
        length = int(self.headers.get("Content-Length") or 0)
        payload = json.loads(self.rfile.read(length)) if length else None
        auth = self.headers.get("Authorization")
        if auth:
            fake.seen_authorization.add(auth)
        if fake.delay:
            time.sleep(fake.delay)
        fault = fake.take_fault(url.path)
        now = int(time.time())
        if fault == "drop":
            fake.log.append((method, url.path, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if fault == "slow":
            time.sleep(fake.slow_seconds)
        if (
            fault == "unauthorized"
            or (fake.token and auth != f"Bearer {fake.token}")
            or (url.path == "/graphql" and not auth)
        ):
            return self.send(method, url.path, 401, {"message": "Bad credentials"})
        if fault == "secondary":
            return self.send(method, url.path, 403, {"message": SECONDARY}, {"retry-after": "1"})
        if fault == "secondary_no_retry_after":
            return self.send(method, url.path, 403, {"message": SECONDARY})
        if fault == "too_many":
            return self.send(method, url.path, 429, {"message": SECONDARY})
        if fault == "primary":
            return self.send(
                method,
                url.path,
                403,
                {"message": "API rate limit exceeded for user."},
                {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(now + 2)},
            )
        if fault in ("500", "502"):
            return self.send(method, url.path, int(fault), HTML_ERROR, {"Content-Type": "text/html"})
        if fault == "graphql_rate_limited":
            return self.send(
                method,
                url.path,
                200,
                {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]},
                {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(now + 1)},
            )
        if url.path == "/search/repositories" and method == "GET":
            status, body, headers = fake.search({k: v[0] for k, v in parse_qs(url.query).items()})
            if status == 200 and fault == "incomplete":
                body["incomplete_results"] = True
            limits = {
                "x-ratelimit-limit": "30",
                "x-ratelimit-remaining": "29",
                "x-ratelimit-reset": str(now + 60),
                "x-ratelimit-resource": "search",
            }
            etag = '"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest() + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                return self.send(method, url.path, 304, None, {"ETag": etag, **limits})
            return self.send(
                method, url.path, status, body, {"ETag": etag, **limits, **headers}, truncate=fault == "truncated"
            )
        if url.path == "/graphql" and method == "POST":
            limits = {
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": "4990",
                "x-ratelimit-reset": str(now + 3600),
                "x-ratelimit-resource": "graphql",
            }
            assert payload is not None, "a GraphQL request without a body"
            answer = fake.graphql(payload)
            if answer is None:  # GitHub's 10 s limit, reported as a 502
                return self.send(method, url.path, 502, HTML_ERROR, {"Content-Type": "text/html"})
            return self.send(method, url.path, 200, answer, limits, truncate=fault == "truncated")
        return self.send(method, url.path, 404, {"message": "Not Found"})

    def send(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        truncate: bool = False,
    ) -> None:
        self.fake.log.append((method, path, status))
        headers = dict(headers or {})
        data = b"" if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        if truncate:
            data = data[: len(data) // 2]
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 304:
            self.wfile.write(data)
