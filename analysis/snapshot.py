"""Read a snapshot folder: `manifest.json` plus the recorded API response bodies.

A snapshot is the project's raw data and is never edited. Every problem with one is
reported as a `SnapshotError` naming the file and what is wrong with it, so that a
user can fix the input rather than debug the code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec

from analysis import records
from analysis.inputs import restore_hint

MANIFEST = "manifest.json"
#: Enrichment's own manifest: `analysis enrich` adds it and never rewrites `manifest.json`.
ENRICHMENT_MANIFEST = "enrichment.json"
#: A follow-up's manifest: `analysis follow` records, in a folder of its own, what became of a snapshot's repositories.
FOLLOWUP_MANIFEST = "followup.json"
SEARCH_PATH = "/search/repositories"


class SnapshotError(ValueError):
    """The snapshot is missing, malformed or inconsistent; the message names the file."""


@dataclass(frozen=True)
class SearchPage:
    """One recorded response of the repository search endpoint."""

    file: Path
    query: str  # the user's query; a date slice of it (live collection) keeps the same query
    total_count: int | None  # what the search reported for the query (or for its slice)
    items: list[records.Repo]
    incomplete: bool  # GitHub's `incomplete_results`: the search timed out for this page
    entry: dict[str, Any]


def read_bytes(path: Path, what: str) -> bytes:
    """A file's bytes, or a SnapshotError saying that `what` is missing or unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SnapshotError(f"{path}: {what} is missing; {restore_hint(path)}") from None
    except OSError as e:
        raise SnapshotError(f"{path}: cannot read {what}: {e.strerror}") from None


def read_json(path: Path, what: str) -> Any:
    """Parse a JSON file, turning every failure into a SnapshotError that names it."""
    text = read_bytes(path, what)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SnapshotError(f"{path}: {what} is not valid JSON ({e})") from None


def safe_member(folder: Path, name: object, where: str) -> Path:
    """Resolve a file named in the manifest, refusing anything outside the snapshot folder."""
    if not isinstance(name, str) or not name:
        raise SnapshotError(f"{folder / MANIFEST}: {where}: field 'file' must be a file name")
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts:
        raise SnapshotError(f"{folder / MANIFEST}: {where}: file {name!r} points outside the snapshot")
    return folder / pure


def checked_date(value: object, where: str) -> str:
    """An ISO date (YYYY-MM-DD, or the date part of a timestamp), refusing anything else."""
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise SnapshotError(f"{where} is {value!r}, not a date (YYYY-MM-DD)") from None


def read_manifest(path: Path) -> dict[str, Any]:
    """A manifest: an object whose `requests` each name a file, a path and params."""
    manifest = read_json(path, "the manifest")
    if not isinstance(manifest, dict):
        raise SnapshotError(f"{path}: the manifest must be a JSON object")
    requests = manifest.get("requests")
    if not isinstance(requests, list):
        raise SnapshotError(f"{path}: field 'requests' is missing or not a list")
    for i, entry in enumerate(requests):
        where = f"requests[{i}]"
        if not isinstance(entry, dict):
            raise SnapshotError(f"{path}: {where} is not an object")
        for field in ("file", "path", "params"):
            if field not in entry:
                raise SnapshotError(f"{path}: {where} has no field '{field}'")
        if not isinstance(entry["params"], dict):
            raise SnapshotError(f"{path}: {where}: field 'params' is not an object")
    return manifest


def read_typed(path: Path, where: str, kind: str) -> Any:
    """A response parsed into the typed records of `kind`; errors name the file, the item and the field."""
    if kind not in records.DECODERS:
        raise SnapshotError(f"{path}: {where} is a response of unknown kind {kind!r}")
    data = read_bytes(path, f"the response of {where}")
    try:
        return records.DECODERS[kind].decode(data)
    except msgspec.ValidationError as e:
        raise SnapshotError(f"{path}: {str(e).replace('$.', '')}") from None
    except msgspec.DecodeError as e:
        raise SnapshotError(f"{path}: the response of {where} is not valid JSON ({e})") from None


def read_search(path: Path, where: str, latest: str) -> records.SearchResponse:
    """A search response, typed, with no timestamp later than `latest`."""
    body = read_typed(path, where, "search")
    for j, item in enumerate(body.items):
        for field in ("created_at", "updated_at", "pushed_at"):
            stamp = getattr(item, field)
            if stamp is not None and stamp > latest:
                raise SnapshotError(f"{path}: items[{j}].{field} is {stamp}, after the snapshot was taken")
    return body


class Snapshot:
    """A validated snapshot folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise SnapshotError(f"{self.folder}: snapshot folder not found")
        self.manifest_path = self.folder / MANIFEST
        self.manifest: dict[str, Any] = read_manifest(self.manifest_path)
        self.requests: list[dict[str, Any]] = list(self.manifest["requests"])
        if not any(e["path"] == SEARCH_PATH for e in self.requests):
            raise SnapshotError(f"{self.manifest_path}: lists no {SEARCH_PATH} request")
        enrichment_path = self.folder / ENRICHMENT_MANIFEST
        self.enrichment: dict[str, Any] | None = None
        if enrichment_path.is_file():
            self.enrichment = read_manifest(enrichment_path)
            self.requests += self.enrichment["requests"]
        self.verify_checksums()

    def verify_checksums(self) -> None:
        """Each listed file that carries a `sha256` (the embedded snapshot's do) must still have it."""
        for i, entry in enumerate(self.requests):
            expected = entry.get("sha256")
            if expected is None:
                continue
            path = safe_member(self.folder, entry["file"], f"requests[{i}]")
            actual = hashlib.sha256(read_bytes(path, f"the response of requests[{i}]")).hexdigest()
            if actual != expected:
                raise SnapshotError(
                    f"{path}: fails its checksum (sha256 {actual[:12]}..., the manifest lists {str(expected)[:12]}...):"
                    f" a recorded response was changed; {restore_hint(path)}"
                )

    def unfinished(self) -> str | None:
        """Why the snapshot is not ready to analyse (interrupted or incomplete), or None."""
        if self.enrichment is not None and not self.enrichment.get("enriched_on"):
            return self.search_unfinished() or (
                "its enrichment was interrupted; run `python -m analysis enrich --snapshot` again to finish it"
            )
        return self.search_unfinished()

    def search_unfinished(self) -> str | None:
        """Why the search results are not ready, or None.

        A manifest without `started_at` predates resumable collection: it was recorded
        and published whole, so it is finished by definition.
        """
        m = self.manifest
        if "started_at" in m and not m.get("collected_on"):
            return "its collection was interrupted (no collected_on); run the same `collect` command to finish it"
        short = m.get("incomplete_slices") or []
        if short:
            return (
                f"its collection is incomplete: {len(short)} date slice(s) hold fewer repositories than"
                " their total_count (see incomplete_slices in the manifest)"
            )
        return None

    @property
    def as_of(self) -> str:
        """The date the data describes: `collected_on`, else the last `fetched_at`."""
        if "collected_on" in self.manifest:
            return checked_date(self.manifest["collected_on"], f"{self.manifest_path}: field 'collected_on'")
        fetched = [e["fetched_at"] for e in self.requests if e.get("fetched_at")]
        if not fetched:
            raise SnapshotError(
                f"{self.manifest_path}: no 'collected_on' and no request has 'fetched_at',"
                " so the snapshot date is unknown"
            )
        return checked_date(str(max(fetched))[:10], f"{self.manifest_path}: the last 'fetched_at'")

    def search_pages(self) -> Iterator[SearchPage]:
        """Each search response in manifest order, every field the build reads typed and checked."""
        # A timestamp later than the day after the snapshot's date cannot have been observed.
        latest = (dt.date.fromisoformat(self.as_of) + dt.timedelta(days=1)).isoformat() + "T23:59:59Z"
        for i, entry in enumerate(self.requests):
            if entry["path"] != SEARCH_PATH:
                continue
            where = f"requests[{i}]"
            path = safe_member(self.folder, entry["file"], where)
            query = entry.get("query") or entry["params"].get("q")
            if not isinstance(query, str) or not query:
                raise SnapshotError(f"{self.manifest_path}: {where} has no search query (params.q)")
            body = read_search(path, where, latest)
            yield SearchPage(
                file=path,
                query=query,
                total_count=body.total_count,
                items=body.items,
                incomplete=bool(body.incomplete_results),
                entry=entry,
            )
