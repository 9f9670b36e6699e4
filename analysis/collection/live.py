"""Wiring for the live commands: the lock, the client, the stores, progress, and the summaries."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from analysis.collection.enrich import ACTIVITY_BATCH, COUNTS_BATCH, FOLLOW_BATCH, Enricher
from analysis.collection.github import GitHub, GitHubError, Pacing, api_url, token_from_env
from analysis.collection.lock import FolderLock
from analysis.collection.progress import Phase, console, progress
from analysis.collection.search import MAX_REPAIRS, QueryResult, SearchCollector
from analysis.collection.store import SnapshotStore, check_writable
from analysis.snapshot import ENRICHMENT_MANIFEST, FOLLOWUP_MANIFEST, Snapshot, SnapshotError

#: For tests against the fake server: scales every wait of the client (1 = real time).
TIME_SCALE_ENV = "MLOPS_GITHUB_TIME_SCALE"
TIMEOUT_ENV = "MLOPS_GITHUB_TIMEOUT"
#: For tests against the fake server: the UTC date (YYYY-MM-DD) the live commands take as today.
TODAY_ENV = "MLOPS_TODAY"
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
    """Today's UTC date, or `$MLOPS_TODAY` (checked)."""
    named = os.environ.get(TODAY_ENV, "").strip()
    if not named:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        return dt.date.fromisoformat(named).isoformat()
    except ValueError:
        raise GitHubError(f"{TODAY_ENV}={named!r} is not a date (YYYY-MM-DD)") from None


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


def node_ids(snapshot: Snapshot) -> list[str]:
    """The GraphQL ids of a snapshot's repositories, in repository-id order."""
    node_of = {item.id: item.node_id for page in snapshot.search_pages() for item in page.items if item.node_id}
    return [node_of[i] for i in sorted(node_of)]


def follow(snapshot_dir: Path, out: Path) -> None:
    """Record, into `out`, what became of every repository of a finished snapshot (resumable, locked)."""
    from analysis.build import manifest_sha256

    api = api_url()
    github = client(api)
    try:
        if not github.authenticated:
            raise GitHubError("a follow-up asks GitHub's GraphQL API, which needs a token: set GITHUB_TOKEN")
        snapshot = Snapshot(snapshot_dir)
        reason = snapshot.unfinished()
        if reason:
            raise SnapshotError(f"{snapshot_dir}: cannot follow it up: {reason}")
        raw, target = snapshot.folder.resolve(), out.resolve()
        if target == raw or raw in target.parents:
            raise SnapshotError(f"--out {out}: inside the snapshot, which is never written into; choose another folder")
        check_writable(out)
        with FolderLock(out):
            of = {"snapshot": snapshot.folder.name, "snapshot_sha256": manifest_sha256(snapshot.folder)}
            store = SnapshotStore(
                out, {"source": SOURCE, "api": api, **of, "snapshot_as_of": snapshot.as_of}, FOLLOWUP_MANIFEST
            )
            if {k: store.manifest.get(k) for k in of} != of:
                raise SnapshotError(
                    f"{store.manifest_path}: this folder holds a follow-up of snapshot"
                    f" {store.manifest.get('snapshot')!r} (another manifest checksum); choose another --out folder"
                )
            ids = node_ids(snapshot)
            enricher = Enricher(github, store)
            try:
                with progress() as bar:
                    enricher.follow(ids, Phase(bar, "follow-up", -(-len(ids) // FOLLOW_BATCH)))
                store.set("failed", enricher.failed)
                store.set("followed_on", today())
            finally:
                store.commit()
            gone, failed = len(enricher.missing), len(enricher.failed)
            console.print(
                f"Follow-up: {len(ids) - gone - failed:,} repositories answered, {gone:,} gone (deleted, or"
                f" private to this token), {failed:,} failed"
                + (" (recorded as failed; run the same command again to ask for them again)" if failed else ""),
                markup=False,
            )
    finally:
        summary(github)
        github.close()


def run_enrichment(github: GitHub, folder: Path) -> None:
    snapshot = Snapshot(folder)
    ids = node_ids(snapshot)
    store = SnapshotStore(folder, {"source": SOURCE, "api": github.base_url}, ENRICHMENT_MANIFEST)
    enricher = Enricher(github, store)
    try:
        with progress() as bar:
            enricher.counts(ids, Phase(bar, "counts", -(-len(ids) // COUNTS_BATCH)))
            store.commit()
            enricher.activity(ids, Phase(bar, "activity", -(-len(ids) // ACTIVITY_BATCH)))
        store.set("failed", enricher.failed)
        store.set("enriched_on", today())
    finally:
        store.commit()
    missing = len(enricher.missing)
    failed = len(enricher.failed)
    console.print(
        f"Enrichment: {len(ids) - missing - failed:,} repositories enriched, {missing:,} missing"
        f" (deleted or private), {failed:,} failed" + (" (recorded; `build` marks them)" if failed else "")
    )


def summary(github: GitHub) -> None:
    b = github.budget
    console.print(
        f"Requests: {b.requests:,} sent, {b.not_modified:,} answered 304 (free); rate limit left: {b.describe()}",
        markup=False,
    )
