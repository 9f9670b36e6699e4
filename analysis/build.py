"""`analysis build`: a snapshot folder -> tidy tables in an output folder.

Everything is read and checked before anything is written, and the outputs are
written together atomically, so a bad snapshot leaves the output folder untouched.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from analysis import atomic, config, followup
from analysis.enrichment import enrichment_tables, has_enrichment
from analysis.snapshot import ENRICHMENT_MANIFEST, MANIFEST, Snapshot, SnapshotError
from analysis.tidy import tidy

REPOS_FILE = "repos.parquet"
QUALITY_FILE = "quality.json"
ENRICHMENT_FILE = "enrichment.parquet"
MONTHLY_FILE = "pull_requests_monthly.parquet"
#: Everything `build` may write.
TABLES = (REPOS_FILE, QUALITY_FILE, ENRICHMENT_FILE, MONTHLY_FILE, followup.FOLLOWUP_FILE)


def manifest_sha256(folder: Path) -> str:
    """The snapshot's identity: tidy tables and facts are rebuilt when it changes.

    It covers `manifest.json`, followed by `enrichment.json` when enrichment added one
    (quality.json lists them in `manifest_sha256_covers`), so it is the plain checksum of
    `manifest.json` for a snapshot that was not enriched.
    """
    digest = hashlib.sha256()
    for name in checksum_covers(folder):
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


def checksum_covers(folder: Path) -> list[str]:
    return [MANIFEST] + ([ENRICHMENT_MANIFEST] if (folder / ENRICHMENT_MANIFEST).is_file() else [])


def check_out(snapshot: Path, out: Path) -> None:
    """Refuse an --out that would write into the raw snapshot or cannot take the tables."""
    raw, target = snapshot.resolve(), out.resolve()
    if target == raw or raw in target.parents:
        raise SnapshotError(
            f"--out {out}: inside the snapshot {snapshot}, whose raw responses are never"
            " written into; choose another folder"
        )
    if target.exists() and not target.is_dir():
        raise SnapshotError(f"--out {out}: is a file, not a folder")
    for name in TABLES:
        if (target / name).is_dir():
            raise SnapshotError(f"{out / name}: is a folder, where build writes a file; move it away")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while allocating many acyclic objects.

    Parsing and tidying 100,000 results allocates millions of dicts and lists that hold
    no cycles; without the pause, repeated full collections double the build time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build(snapshot_dir: Path, out: Path, allow_incomplete: bool | None = None) -> dict[str, Any]:
    """Build the tidy tables of `snapshot_dir` into `out`; return the quality report.

    An interrupted or incomplete snapshot is refused unless `allow_incomplete` (by
    default `config.allow_incomplete()`), and then quality.json says why in `unfinished`.
    """
    snapshot = Snapshot(snapshot_dir)
    check_out(snapshot.folder, out)
    unfinished = snapshot.unfinished()
    if unfinished and not (config.allow_incomplete() if allow_incomplete is None else allow_incomplete):
        raise SnapshotError(
            f"{snapshot.folder}: {unfinished}. Refusing to analyse it; to accept it anyway, pass"
            f" --allow-incomplete (make report {config.ALLOW_INCOMPLETE_ENV}=1), and the documents will say so."
        )
    with gc_paused():
        result = tidy(snapshot.search_pages(), as_of=snapshot.as_of)
    writers = {out / REPOS_FILE: lambda tmp: result.repos.write_parquet(tmp)}
    enriched = has_enrichment(snapshot)
    if enriched:
        enrichment, monthly = enrichment_tables(snapshot, result.repos)
        writers[out / ENRICHMENT_FILE] = lambda tmp: enrichment.write_parquet(tmp)
        writers[out / MONTHLY_FILE] = lambda tmp: monthly.write_parquet(tmp)
    checksum = manifest_sha256(snapshot.folder)
    follow_dir = config.followup_dir(snapshot.folder)
    follow_up = followup.read(follow_dir, checksum) if followup.exists(follow_dir) else None
    if follow_up is not None:
        study_topics = sorted({t for q in result.quality["queries"] for t in q["topics"]})
        then_now = followup.table(result.repos, follow_up, study_topics)
        writers[out / followup.FOLLOWUP_FILE] = lambda tmp: then_now.write_parquet(tmp)
    quality = {
        "snapshot": snapshot.folder.name,
        "manifest_sha256": checksum,
        "manifest_sha256_covers": checksum_covers(snapshot.folder),
        **({"unfinished": unfinished} if unfinished else {}),
        "enriched": enriched,
        "provenance": snapshot.manifest.get("provenance"),
        **result.quality,
        "followup": None if follow_up is None else followup.summary(follow_up),
    }
    writers[out / QUALITY_FILE] = lambda tmp: tmp.write_bytes(atomic.json_bytes(quality))
    atomic.write_all(writers)
    if not enriched:  # a rebuild of the same folder must not keep enrichment of another snapshot
        for name in (ENRICHMENT_FILE, MONTHLY_FILE):
            (out / name).unlink(missing_ok=True)
    if follow_up is None:  # nor a follow-up that has since been moved away
        (out / followup.FOLLOWUP_FILE).unlink(missing_ok=True)
    return quality


@dataclass(frozen=True)
class Study:
    """The tidy tables of one snapshot, as the notebooks use them."""

    repos: pl.DataFrame
    quality: dict[str, Any]
    enrichment: pl.DataFrame | None = None  # None when the snapshot was not enriched
    pull_requests_monthly: pl.DataFrame | None = None
    followup: pl.DataFrame | None = None  # None without a follow-up (`analysis follow`)

    @property
    def as_of(self) -> str:
        return self.quality["as_of"]


def load(processed: Path) -> Study:
    """Read the tidy tables written by `build`."""
    enriched = (processed / ENRICHMENT_FILE).is_file()
    return Study(
        repos=pl.read_parquet(processed / REPOS_FILE),
        quality=json.loads((processed / QUALITY_FILE).read_text()),
        enrichment=pl.read_parquet(processed / ENRICHMENT_FILE) if enriched else None,
        pull_requests_monthly=pl.read_parquet(processed / MONTHLY_FILE) if enriched else None,
        followup=pl.read_parquet(followed) if (followed := processed / followup.FOLLOWUP_FILE).is_file() else None,
    )


def current() -> Study:
    """The study data for the configured snapshot, built on first use or when it changed.

    This is the one entry point notebooks use, so `make report` and `make lab` see the
    same snapshot (`$SNAPSHOT`, else the newest under data/raw/).
    """
    snapshot = config.snapshot_dir()
    return study_of(snapshot, config.processed_dir(snapshot))


def compared() -> Study | None:
    """The older snapshot named by `make report COMPARE=OLD`, built apart; None when none is named."""
    old = config.compare_dir()
    return None if old is None else study_of(old, config.compared_processed_dir(old))


def study_of(snapshot: Path, out: Path) -> Study:
    """The tidy tables of `snapshot` in `out`, built when missing or when the snapshot or its follow-up changed."""
    quality_path = out / QUALITY_FILE
    if (
        not (out / REPOS_FILE).is_file()
        or not quality_path.is_file()
        or (json.loads(quality_path.read_text()).get("manifest_sha256") != manifest_sha256(snapshot))
        or (json.loads(quality_path.read_text()).get("followup") or {}).get("sha256") != followup.checksum(snapshot)
    ):
        build(snapshot, out)
    return load(out)
