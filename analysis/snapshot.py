"""Read a snapshot folder: `manifest.json` plus the recorded API response bodies.

A snapshot is the project's raw data and is never edited. Every problem with one is
reported as a `SnapshotError` naming the file and what is wrong with it, so that a
user can fix the input rather than debug the code.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST = "manifest.json"
SEARCH_PATH = "/search/repositories"


class SnapshotError(ValueError):
    """The snapshot is missing, malformed or inconsistent; the message names the file."""


@dataclass(frozen=True)
class SearchPage:
    """One recorded response of the repository search endpoint."""

    file: Path
    query: str  # the user's query; a date slice of it (live collection) keeps the same query
    total_count: int | None  # what the search reported for the query (or for its slice)
    items: list[dict[str, Any]]
    incomplete: bool  # GitHub's `incomplete_results`: the search timed out for this page
    entry: dict[str, Any]


def read_json(path: Path, what: str) -> Any:
    """Parse a JSON file, turning every failure into a SnapshotError that names it."""
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise SnapshotError(f"{path}: {what} is missing") from None
    except OSError as e:
        raise SnapshotError(f"{path}: cannot read {what}: {e.strerror}") from None
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


class Snapshot:
    """A validated snapshot folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise SnapshotError(f"{self.folder}: snapshot folder not found")
        self.manifest_path = self.folder / MANIFEST
        manifest = read_json(self.manifest_path, "the manifest")
        if not isinstance(manifest, dict):
            raise SnapshotError(f"{self.manifest_path}: the manifest must be a JSON object")
        requests = manifest.get("requests")
        if not isinstance(requests, list):
            raise SnapshotError(f"{self.manifest_path}: field 'requests' is missing or not a list")
        for i, entry in enumerate(requests):
            where = f"requests[{i}]"
            if not isinstance(entry, dict):
                raise SnapshotError(f"{self.manifest_path}: {where} is not an object")
            for field in ("file", "path", "params"):
                if field not in entry:
                    raise SnapshotError(f"{self.manifest_path}: {where} has no field '{field}'")
            if not isinstance(entry["params"], dict):
                raise SnapshotError(f"{self.manifest_path}: {where}: field 'params' is not an object")
        self.manifest: dict[str, Any] = manifest
        self.requests: list[dict[str, Any]] = requests
        if not any(e["path"] == SEARCH_PATH for e in requests):
            raise SnapshotError(f"{self.manifest_path}: lists no {SEARCH_PATH} request")

    @property
    def as_of(self) -> str:
        """The date the data describes: `collected_on`, else the last `fetched_at`."""
        if self.manifest.get("collected_on"):
            return str(self.manifest["collected_on"])[:10]
        fetched = [e["fetched_at"] for e in self.requests if e.get("fetched_at")]
        if not fetched:
            raise SnapshotError(
                f"{self.manifest_path}: no 'collected_on' and no request has 'fetched_at',"
                " so the snapshot date is unknown"
            )
        return max(fetched)[:10]

    def search_pages(self) -> Iterator[SearchPage]:
        """Each search response in manifest order, checked for the fields the build needs."""
        for i, entry in enumerate(self.requests):
            if entry["path"] != SEARCH_PATH:
                continue
            where = f"requests[{i}]"
            path = safe_member(self.folder, entry["file"], where)
            query = entry.get("query") or entry["params"].get("q")
            if not isinstance(query, str) or not query:
                raise SnapshotError(f"{self.manifest_path}: {where} has no search query (params.q)")
            body = read_json(path, f"the response of {where}")
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise SnapshotError(f"{path}: response has no 'items' list (is it a search response?)")
            for j, item in enumerate(body["items"]):
                if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                    raise SnapshotError(f"{path}: items[{j}] has no integer 'id'")
            total = body.get("total_count")
            yield SearchPage(
                file=path,
                query=query,
                total_count=total if isinstance(total, int) else None,
                items=body["items"],
                incomplete=bool(body.get("incomplete_results")),
                entry=entry,
            )
