"""A snapshot folder being written by live collection, safe to kill at any moment.

Each response body goes to its own file, named by a hash of its request (never by
anything in the query or the response), written atomically. Only then is its manifest
entry appended, as one line, to a journal; rewriting the whole manifest after every
response would cost time quadratic in the number of requests. `commit()` folds the
journal into the manifest (atomically) at the end of each phase, and opening a store
replays a journal left by a killed run, ignoring a torn last line. A kill between a
body and its journal line leaves a complete but unlisted file that the next run
overwrites.

One process writes a folder at a time (`lock.FolderLock`, taken by `live`). The store removes no file it did
not write: a kill in the middle of an atomic write can leave a hidden `.<name>.*.tmp`,
which nothing reads and which the user may delete.

Search responses are listed in `manifest.json`; enrichment adds its own manifest
(`enrichment.json`), so recorded search responses and their manifest are never
rewritten by a later `enrich`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from analysis import atomic
from analysis.collection.github import Response
from analysis.snapshot import MANIFEST, SnapshotError, read_json, safe_member

JOURNAL = "manifest.journal"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_key(method: str, path: str, params: dict[str, Any], recheck: int = 0) -> str:
    """A request's identity; `recheck` n > 0 keeps the n-th re-asking of it beside the first answer."""
    key = f"{method} {path} {json.dumps(params, sort_keys=True, separators=(',', ':'))}"
    return f"{key} recheck={recheck}" if recheck else key


class SnapshotStore:
    """Read and extend one manifest of a snapshot folder."""

    def __init__(self, folder: Path, fresh: dict[str, Any], name: str = MANIFEST):
        """Open (or start) the manifest `name`; the caller holds the folder's `FolderLock`."""
        self.folder = Path(folder)
        self.manifest_path = self.folder / name
        self.journal_path = self.folder / f"{Path(name).stem}.journal"
        self._fresh = fresh
        self._open()

    def _open(self) -> None:
        if self.manifest_path.exists():
            self.manifest = read_json(self.manifest_path, "the manifest")
            requests = self.manifest.get("requests") if isinstance(self.manifest, dict) else None
            if not isinstance(requests, list) or not all(isinstance(e, dict) and "key" in e for e in requests):
                raise SnapshotError(
                    f"{self.manifest_path}: this manifest was not written by `analysis collect`;"
                    " choose another folder (a recorded snapshot is never written into)"
                )
        else:
            self.manifest = {**self._fresh, "started_at": utc_now(), "requests": []}
        self._by_key = {e["key"]: e for e in self.manifest["requests"]}
        if self._replay_journal() or not self.manifest_path.exists():
            self.commit()

    def _replay_journal(self) -> bool:
        if not self.journal_path.exists():
            return False
        for line in self.journal_path.read_text().splitlines():
            try:
                change = json.loads(line)
            except json.JSONDecodeError:
                break  # a torn last line from a killed run; its request is simply redone
            if "entry" in change:
                self._put(change["entry"])
            else:
                self.manifest[change["field"]] = change["value"]
        return True

    def _put(self, entry: dict[str, Any]) -> None:
        key = entry["key"]
        if key in self._by_key:
            self.manifest["requests"][self.manifest["requests"].index(self._by_key[key])] = entry
        else:
            self.manifest["requests"].append(entry)
        self._by_key[key] = entry

    def _log(self, change: dict[str, Any]) -> None:
        with open(self.journal_path, "a") as journal:
            journal.write(json.dumps(change) + "\n")

    def lookup(self, method: str, path: str, params: dict[str, Any], recheck: int = 0) -> dict[str, Any] | None:
        return self._by_key.get(request_key(method, path, params, recheck))

    def body(self, entry: dict[str, Any]) -> Any:
        return read_json(safe_member(self.folder, entry["file"], entry["key"]), "a stored response")

    def record(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        response: Response,
        recheck: int = 0,
        **extra: Any,
    ) -> dict[str, Any]:
        """Store a response body and list it in the manifest (replacing an older copy)."""
        key = request_key(method, path, params, recheck)
        extra |= {"recheck": recheck} if recheck else {}
        kind = "search" if path.startswith("/search/") else path.strip("/").split("/")[0] or "root"
        name = f"{kind}_{hashlib.sha256(key.encode()).hexdigest()[:20]}.json"
        atomic.write_json(self.folder / name, response.body)
        entry = {
            "key": key,
            "file": name,
            "method": method,
            "path": path,
            "params": params,
            "status": response.status,
            "fetched_at": utc_now(),
            "headers": response.headers,
            **extra,
        }
        self._put(entry)
        self._log({"entry": entry})
        return entry

    def revalidated(self, entry: dict[str, Any], response: Response) -> None:
        """A 304: the stored body is still current; note when that was checked."""
        updated = {**entry, "revalidated_at": utc_now(), "headers": {**entry["headers"], **response.headers}}
        self._put(updated)
        self._log({"entry": updated})

    def set(self, field: str, value: Any) -> None:
        self.manifest[field] = value
        self._log({"field": field, "value": value})

    def commit(self) -> None:
        """Write the manifest with everything so far, then drop the journal."""
        atomic.write_json(self.manifest_path, self.manifest)
        self.journal_path.unlink(missing_ok=True)


def check_writable(folder: Path) -> None:
    """Refuse early, before any request, when the snapshot cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SnapshotError(f"{folder}: cannot create the snapshot folder ({e.strerror})") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise SnapshotError(f"{folder}: the snapshot folder is not writable")
