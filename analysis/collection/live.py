"""Wiring for the live commands: the lock, the client, the stores, progress, and the summaries."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from analysis.collection.enrich import ACTIVITY_BATCH, COUNTS_BATCH, Enricher
from analysis.collection.github import GitHub, GitHubError, Pacing, api_url, token_from_env
from analysis.collection.lock import FolderLock
from analysis.collection.progress import Phase, console, progress
from analysis.collection.search import MAX_REPAIRS, QueryResult, SearchCollector
from analysis.collection.store import SnapshotStore, check_writable
from analysis.snapshot import ENRICHMENT_MANIFEST, Snapshot, SnapshotError

#: For tests against the fake server: scales every wait of the client (1 = real time).
TIME_SCALE_ENV = "MLOPS_GITHUB_TIME_SCALE"
TIMEOUT_ENV = "MLOPS_GITHUB_TIMEOUT"
SOURCE = "GitHub REST and GraphQL APIs, recorded by `python -m analysis collect`"


class Incomplete(GitHubError):
    """Some slices stayed short of their total_count after every repair."""


def pacing_from_env() -> Pacing:
    return Pacing(
        time_scale=float(os.environ.get(TIME_SCALE_ENV, "1")),
        timeout=float(os.environ.get(TIMEOUT_ENV, "30")),
    )


def client(api: str) -> GitHub:
    token = token_from_env()
    if not token:
        console.print(
            "No GITHUB_TOKEN or GH_TOKEN set: searching within the unauthenticated limits"
            " (10 searches a minute); enrichment (GraphQL) needs a token."
        )
    return GitHub(api, token, pacing_from_env())


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def collect(out: Path, queries: list[str], enrich: bool, allow_incomplete: bool = False) -> list[QueryResult]:
    """Search every query into `out`, then enrich it when a token allows."""
    api = api_url()
    github = client(api)  # checks the token before anything is written
    check_writable(out)
    try:
        with FolderLock(out):
            store = SnapshotStore(out, {"source": SOURCE, "api": api, "queries": queries})
            if store.manifest.get("queries") != queries:
                raise SnapshotError(
                    f"{store.manifest_path}: this folder holds a snapshot of {store.manifest.get('queries')!r},"
                    f" not of {queries!r}; choose another --out folder (or the same queries to resume)"
                )
            with progress() as bar:
                phase = Phase(bar, "search pages")
                results = SearchCollector(github, store, phase, dt.datetime.now(dt.UTC)).run(queries)
            store.set("collected_on", today())
            store.commit()
            report_coverage(results, allow_incomplete)
            if enrich and github.authenticated:
                run_enrichment(github, out)
            elif enrich:
                console.print(
                    "Enrichment skipped: it needs a token (GraphQL). Set GITHUB_TOKEN and run"
                    f" `python -m analysis enrich --snapshot {out}`.",
                    markup=False,
                )
    finally:
        summary(github)
        github.close()
    return results


def report_coverage(results: list[QueryResult], allow_incomplete: bool) -> None:
    """Coverage per query; fail on slices still short unless the user accepts them."""
    for r in results:
        share = len(r.ids) / r.total_count if r.total_count else 1.0
        console.print(
            f"{r.query}: {len(r.ids):,} unique repositories of total_count {r.total_count:,}"
            f" ({share:.1%}) in {len(r.slices) or 1} slice(s)"
            + (f", {r.incomplete_pages} page(s) still incomplete" if r.incomplete_pages else ""),
            markup=False,
        )
        for s in r.short_slices:
            console.print(
                f"  short: {s['slice'] or 'the whole query'}: {s['unique']:,} of total_count {s['total_count']:,}",
                markup=False,
            )
    short = sum(len(r.short_slices) for r in results)
    if short and not allow_incomplete:
        raise Incomplete(
            f"{short} slice(s) stayed short of their total_count after {MAX_REPAIRS} rounds of asking again"
            " by halves; the snapshot is"
            " marked incomplete. Run the same command again later, or add --allow-incomplete to accept it."
        )


def enrich(snapshot: Path) -> None:
    """Enrich a finished snapshot into its own manifest; `manifest.json` is never rewritten."""
    api = api_url()
    github = client(api)
    try:
        with FolderLock(snapshot):
            reason = Snapshot(snapshot).search_unfinished()
            if reason:
                raise SnapshotError(f"{snapshot}: cannot enrich: {reason}")
            run_enrichment(github, snapshot)
    finally:
        summary(github)
        github.close()


def run_enrichment(github: GitHub, folder: Path) -> None:
    snapshot = Snapshot(folder)
    node_of = {item.id: item.node_id for page in snapshot.search_pages() for item in page.items}
    node_ids = [node for i in sorted(node_of) if (node := node_of[i])]
    store = SnapshotStore(folder, {"source": SOURCE, "api": github.base_url}, ENRICHMENT_MANIFEST)
    enricher = Enricher(github, store)
    try:
        with progress() as bar:
            enricher.counts(node_ids, Phase(bar, "counts", -(-len(node_ids) // COUNTS_BATCH)))
            store.commit()
            enricher.activity(node_ids, Phase(bar, "activity", -(-len(node_ids) // ACTIVITY_BATCH)))
        store.set("failed", enricher.failed)
        store.set("enriched_on", today())
    finally:
        store.commit()
    missing = len(enricher.missing)
    failed = len(enricher.failed)
    console.print(
        f"Enrichment: {len(node_ids) - missing - failed:,} repositories enriched, {missing:,} missing"
        f" (deleted or private), {failed:,} failed" + (" (recorded; `build` marks them)" if failed else "")
    )


def summary(github: GitHub) -> None:
    b = github.budget
    console.print(
        f"Requests: {b.requests:,} sent, {b.not_modified:,} answered 304 (free); rate limit left: {b.describe()}",
        markup=False,
    )
