"""A polite GitHub API client: one request at a time, rate limits obeyed, faults retried.

Rules (GitHub's REST and GraphQL docs, "Rate limits" and "Best practices"):
- 403/429 with `retry-after`: wait that long. With `x-ratelimit-remaining: 0`: wait until
  `x-ratelimit-reset`. Otherwise a secondary limit: wait at least a minute, then back off
  exponentially. Give up after `max_rate_limit_waits` waits with a clear error.
- A GraphQL rate-limit error arrives with status 200 and `errors[].type == "RATE_LIMITED"`.
- 5xx, timeouts, dropped connections and truncated bodies are retried with exponential
  backoff and jitter (tenacity), a bounded number of times.
- 401 stops at once. A 304 answer to `If-None-Match` costs no rate limit.

Every wait goes through `Pacing`, whose `time_scale` lets tests run the same logic fast.
The token is sent only to the configured API host and never appears in messages.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

DEFAULT_API = "https://api.github.com"
TOKEN_ENVS = ("GITHUB_TOKEN", "GH_TOKEN")
#: Response headers worth keeping in the snapshot (never Authorization or cookies).
KEPT_HEADERS = (
    "etag",
    "last-modified",
    "link",
    "date",
    "retry-after",
    "x-github-request-id",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-used",
    "x-ratelimit-resource",
)


class GitHubError(RuntimeError):
    """A failure the collector cannot recover from; the message says what to do."""


class GaveUp(GitHubError):
    """Faults persisted past every retry: a caller that can split its work may try smaller."""


class Transient(Exception):
    """A fault worth retrying: 5xx, timeout, dropped connection, truncated body."""


@dataclass
class Pacing:
    """Every wait of the client, scaled by `time_scale` (tests use a small one)."""

    time_scale: float = 1.0
    search_interval: float = 2.1  # 30 searches/minute with a token; 10 without (6.1 s)
    secondary_wait: float = 60.0
    max_rate_limit_waits: int = 6
    max_transient_tries: int = 6
    # A GraphQL batch that times out (GitHub stops a query at 10 s) will likely time out
    # again: after this many tries the enricher splits it rather than wait.
    graphql_tries: int = 2
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time

    def wait(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds * self.time_scale)


@dataclass
class Budget:
    """The rate-limit budget GitHub last reported, per resource (core, search, graphql)."""

    remaining: dict[str, int] = field(default_factory=dict)
    requests: int = 0  # requests sent, conditional ones included
    not_modified: int = 0  # answered 304 (free)
    graphql_cost: int = 0  # points GraphQL charged, from each query's rateLimit { cost }

    def describe(self) -> str:
        left = ", ".join(f"{k} {v}" for k, v in sorted(self.remaining.items())) or "unknown"
        return f"{left}; GraphQL points spent {self.graphql_cost}" if self.graphql_cost else left


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # the kept headers only
    body: Any  # parsed JSON, or None for 304


TOKEN = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no whitespace: what a header can carry


def api_url() -> str:
    """`GITHUB_API_URL` (GitHub's own convention), checked to be an http(s) URL without credentials.

    The value is never echoed when it carries credentials, and never stored as given.
    """
    url = os.environ.get("GITHUB_API_URL", DEFAULT_API).strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError:
        raise GitHubError("GITHUB_API_URL is not a valid URL (check brackets and port)") from None
    if "@" in parts.netloc:
        raise GitHubError(
            "GITHUB_API_URL must not carry credentials (user:token@host); set the token"
            " in GITHUB_TOKEN or GH_TOKEN instead"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GitHubError(f"GITHUB_API_URL must be an http(s) URL, got {url!r}")
    return url


def graphql_url(api: str) -> str:
    """GraphQL's endpoint: `<api>/graphql` on github.com, `/api/graphql` on Enterprise (`/api/v3`)."""
    if api.endswith("/api/v3"):
        return api[: -len("/v3")] + "/graphql"
    return api + "/graphql"


def token_from_env() -> str | None:
    """The token, refused (without showing it) when it holds whitespace or control characters."""
    for name in TOKEN_ENVS:
        token = os.environ.get(name)
        if token:
            if not TOKEN.fullmatch(token):
                raise GitHubError(
                    f"{name} holds whitespace or a control character (a line break from a Windows .env"
                    " file?), so it is not a valid token; it is not shown here. Remove it and try again."
                )
            return token
    return None


class GitHub:
    """One request at a time against one API host."""

    def __init__(self, base_url: str, token: str | None, pacing: Pacing | None = None):
        self.base_url = base_url.rstrip("/")
        self.graphql_url = graphql_url(self.base_url)
        self.pacing = pacing or Pacing()
        if not token:
            self.pacing.search_interval = max(self.pacing.search_interval, 6.1)
        self.authenticated = bool(token)
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "mlops-ecosystem-study",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=self.pacing.timeout, follow_redirects=False
        )
        self.budget = Budget()
        self._last_search = 0.0

    def close(self) -> None:
        self.http.close()

    # -- public calls -------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any], etag: str | None = None) -> Response:
        """GET a REST path; with `etag`, a 304 comes back as status 304 and body None."""
        if path.startswith("/search/"):
            self._pace_search()
        headers = {"If-None-Match": etag} if etag else {}
        return self._send("GET", path, params=params, headers=headers)

    def graphql(self, query: str, variables: dict[str, Any]) -> Response:
        """POST a GraphQL query; rate-limit errors in the body are waited out and retried."""
        if not self.authenticated:
            raise GitHubError("GitHub's GraphQL API needs a token: set GITHUB_TOKEN or GH_TOKEN")
        response = self._send(
            "POST", self.graphql_url, tries=self.pacing.graphql_tries, json={"query": query, "variables": variables}
        )
        self._note_graphql_budget(response)
        return response

    def _note_graphql_budget(self, response: Response) -> None:
        """Read the query's own rateLimit { cost remaining resetAt }; when the points are spent,
        wait for the reset before the next query rather than be refused."""
        data = response.body.get("data") if isinstance(response.body, dict) else None
        limit = data.get("rateLimit") if isinstance(data, dict) else None
        if not isinstance(limit, dict):
            return
        self.budget.graphql_cost += int(limit.get("cost") or 0)
        self.budget.remaining["graphql"] = int(limit.get("remaining", 0))
        if self.budget.remaining["graphql"] <= 0 and limit.get("resetAt"):
            reset = dt.datetime.fromisoformat(limit["resetAt"].replace("Z", "+00:00")).timestamp()
            self.pacing.wait(max(reset - self.pacing.clock(), 0) + 1)

    # -- internals ----------------------------------------------------------------------
    def _pace_search(self) -> None:
        elapsed = (self.pacing.clock() - self._last_search) / max(self.pacing.time_scale, 1e-9)
        self.pacing.wait(self.pacing.search_interval - elapsed)
        self._last_search = self.pacing.clock()

    def _send(self, method: str, path: str, tries: int | None = None, **kwargs: Any) -> Response:
        secondary_waits = 0
        for attempt in range(self.pacing.max_rate_limit_waits + 1):
            response = self._with_retries(method, path, tries or self.pacing.max_transient_tries, **kwargs)
            kind = self._rate_limited(response)
            if kind is None:
                return response
            if attempt == self.pacing.max_rate_limit_waits:
                break
            h = response.headers
            if kind == "retry-after":
                wait = float(h["retry-after"])
            elif kind == "reset":
                wait = max(float(h["x-ratelimit-reset"]) - self.pacing.clock(), 0) + 1
            else:  # secondary limit without advice: a minute, doubling each time
                wait = self.pacing.secondary_wait * 2**secondary_waits
                secondary_waits += 1
            self.pacing.wait(wait)
        raise GitHubError(
            f"{method} {urlsplit(path).path}: still rate limited after {self.pacing.max_rate_limit_waits} waits;"
            " try again later"
        )

    def _with_retries(self, method: str, path: str, tries: int, **kwargs: Any) -> Response:
        retrying = Retrying(
            stop=stop_after_attempt(tries),
            wait=wait_exponential_jitter(initial=1.0, max=60.0),
            retry=retry_if_exception_type(Transient),
            sleep=self.pacing.wait,
            reraise=True,
        )
        try:
            return retrying(self._once, method, path, **kwargs)
        except Transient as e:
            raise GaveUp(f"{method} {urlsplit(path).path}: gave up after {tries} tries ({e})") from None

    def _once(self, method: str, path: str, **kwargs: Any) -> Response:
        try:
            raw = self.http.request(method, path, **kwargs)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as e:
            raise Transient(type(e).__name__) from None
        self.budget.requests += 1
        headers = {k: raw.headers[k] for k in KEPT_HEADERS if k in raw.headers}
        self._note_budget(headers)
        if raw.status_code == 304:
            self.budget.not_modified += 1
            return Response(304, headers, None)
        if raw.status_code == 401:
            raise GitHubError("GitHub answered 401 Bad credentials: check GITHUB_TOKEN / GH_TOKEN")
        if raw.status_code >= 500:
            raise Transient(f"HTTP {raw.status_code}")
        try:
            body = raw.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            if raw.status_code in (403, 429):
                body = None  # rate-limit answers may carry no JSON; the headers decide
            else:
                raise Transient(f"HTTP {raw.status_code} with a body that is not complete JSON") from None
        return Response(raw.status_code, headers, body)

    def _note_budget(self, headers: dict[str, str]) -> None:
        if "x-ratelimit-remaining" in headers:
            resource = headers.get("x-ratelimit-resource", "core")
            self.budget.remaining[resource] = int(headers["x-ratelimit-remaining"])

    @staticmethod
    def _rate_limited(response: Response) -> str | None:
        """How a response says "slow down": retry-after, reset, secondary; None if it does not."""
        h, body = response.headers, response.body
        errors = body.get("errors") or [] if isinstance(body, dict) else []
        graphql_limited = response.status == 200 and any(
            isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors
        )
        if response.status not in (403, 429) and not graphql_limited:
            return None
        if "retry-after" in h:
            return "retry-after"
        if h.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in h:
            return "reset"
        message = str(body.get("message", "")).lower() if isinstance(body, dict) else ""
        if response.status == 429 or graphql_limited or "rate limit" in message:
            return "secondary"
        return None  # a plain 403 (forbidden, too large to list): the caller records it
