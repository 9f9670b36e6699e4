"""A snapshot folder being written by live collection, safe to kill at any moment.

Each response body goes to its own file, named by a hash of its request (never by
anything in the query or the response), written atomically. Only then is its manifest
entry appended, as one line, to `manifest.journal`; rewriting the whole manifest after
every response would cost time quadratic in the number of requests. `commit()` folds
the journal into `manifest.json` (atomically) at the end of each phase, and opening a
store replays a journal left by a killed run, ignoring a torn last line. A kill between
a body and its journal line leaves a complete but unlisted file that the next run
overwrites; temporary files of a killed write are removed when the store opens.
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
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_key(method: str, path: str, params: dict[str, Any]) -> str:
    return f"{method} {path} {json.dumps(params, sort_keys=True, separators=(',', ':'))}"


class SnapshotStore:
    """Read and extend the manifest of a snapshot folder for a fixed list of queries."""

    def __init__(self, folder: Path, queries: list[str], api: str):
        self.folder = Path(folder)
        self.manifest_path = self.folder / MANIFEST
        self.journal_path = self.folder / JOURNAL
        check_writable(self.folder)
        for leftover in self.folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        if self.manifest_path.exists():
            self.manifest = read_json(self.manifest_path, "the manifest")
            recorded = self.manifest.get("queries")
            if recorded != queries:
                raise SnapshotError(
                    f"{self.manifest_path}: this folder holds a snapshot of {recorded!r}, not of"
                    f" {queries!r}; choose another --out folder (or the same queries to resume)"
                )
        else:
            self.manifest = {
                "source": "GitHub REST and GraphQL APIs, recorded by `python -m analysis collect`",
                "api": api,
                "queries": queries,
                "started_at": utc_now(),
                "requests": [],
            }
        self._by_key = {e["key"]: e for e in self.manifest["requests"] if "key" in e}
        self._replay_journal()
        self.commit()

    def _replay_journal(self) -> None:
        if not self.journal_path.exists():
            return
        for line in self.journal_path.read_text().splitlines():
            try:
                change = json.loads(line)
            except json.JSONDecodeError:
                break  # a torn last line from a killed run; its request is simply redone
            if "entry" in change:
                self._put(change["entry"])
            else:
                self.manifest[change["field"]] = change["value"]

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

    def lookup(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
        return self._by_key.get(request_key(method, path, params))

    def body(self, entry: dict[str, Any]) -> Any:
        return read_json(safe_member(self.folder, entry["file"], entry["key"]), "a stored response")

    def record(
        self, method: str, path: str, params: dict[str, Any], response: Response, **extra: Any
    ) -> dict[str, Any]:
        """Store a response body and list it in the manifest (replacing an older copy)."""
        key = request_key(method, path, params)
        kind = "search" if path.startswith("/search/") else path.strip("/").split("/")[0] or "root"
        name = f"{kind}_{hashlib.sha256(key.encode()).hexdigest()[:20]}.json"
        atomic.write_json(self.folder / name, response.body)
        entry = {
            "key": key, "file": name, "method": method, "path": path, "params": params,
            "status": response.status, "fetched_at": utc_now(), "headers": response.headers,
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
        """Write manifest.json with everything so far, then drop the journal."""
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
