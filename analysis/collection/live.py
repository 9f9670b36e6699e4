"""Wiring for the live commands: the client, the store, progress, and the summaries."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from analysis.collection.search import QueryResult, SearchCollector
from analysis.collection.enrich import ACTIVITY_BATCH, COUNTS_BATCH, Enricher
from analysis.collection.github import GitHub, Pacing, api_url, token_from_env
from analysis.collection.progress import Phase, console, progress
from analysis.snapshot import Snapshot
from analysis.collection.store import SnapshotStore

#: For tests against the fake server: scales every wait of the client (1 = real time).
TIME_SCALE_ENV = "MLOPS_GITHUB_TIME_SCALE"
TIMEOUT_ENV = "MLOPS_GITHUB_TIMEOUT"


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


def collect(out: Path, queries: list[str], enrich: bool) -> list[QueryResult]:
    """Search every query into `out`, then enrich it when a token allows."""
    api = api_url()
    store = SnapshotStore(out, queries, api)  # refuses a bad --out before any request
    github = client(api)
    try:
        with progress() as bar:
            phase = Phase(bar, "search pages")
            results = SearchCollector(github, store, phase, dt.datetime.now(dt.timezone.utc)).run(queries)
        store.set("collected_on", dt.datetime.now(dt.timezone.utc).date().isoformat())
        store.commit()
        for r in results:
            share = len(r.ids) / r.total_count if r.total_count else 1.0
            console.print(
                f"{r.query}: {len(r.ids):,} unique repositories of total_count {r.total_count:,}"
                f" ({share:.1%}) in {len(r.slices) or 1} slice(s)"
                + (f", {r.incomplete_pages} page(s) still incomplete" if r.incomplete_pages else "")
            )
        if enrich and github.authenticated:
            run_enrichment(github, store, out)
        elif enrich:
            console.print("Enrichment skipped: it needs a token (GraphQL). Set GITHUB_TOKEN and run"
                          f" `python -m analysis enrich --snapshot {out}`.")
    finally:
        summary(github)
        github.close()
    return results


def enrich(snapshot: Path) -> None:
    manifest = Snapshot(snapshot).manifest
    api = api_url()
    store = SnapshotStore(snapshot, manifest.get("queries"), manifest.get("api", api))
    github = client(api)
    try:
        run_enrichment(github, store, snapshot)
    finally:
        summary(github)
        github.close()


def run_enrichment(github: GitHub, store: SnapshotStore, folder: Path) -> None:
    snapshot = Snapshot(folder)
    node_of = {item["id"]: item.get("node_id") for page in snapshot.search_pages() for item in page.items}
    node_ids = [node_of[i] for i in sorted(node_of) if node_of[i]]
    enricher = Enricher(github, store)
    try:
        with progress() as bar:
            enricher.counts(node_ids, Phase(bar, "counts", -(-len(node_ids) // COUNTS_BATCH)))
            store.commit()
            enricher.activity(node_ids, Phase(bar, "activity", -(-len(node_ids) // ACTIVITY_BATCH)))
    finally:
        store.commit()
    console.print(f"Enriched {len(node_ids):,} repositories.")


def summary(github: GitHub) -> None:
    b = github.budget
    console.print(
        f"Requests: {b.requests:,} sent, {b.not_modified:,} answered 304 (free);"
        f" rate limit left: {b.describe()}"
    )
