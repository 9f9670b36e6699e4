"""A follow-up of a snapshot (`analysis follow`) as one tidy table keyed by repository id.

The follow-up folder holds the GraphQL answers and `followup.json`, which names the snapshot
it follows (by folder name and manifest checksum) and the date it was made (`followed_on`).
Each snapshot repository gets one row saying what became of it: `status` is `gone` (a null
node: deleted, or private to the token that asked, which GitHub does not tell apart), `private`
(still visible to the token, but private), `archived`, `inactive` (no push in the
`dates.INACTIVE_DAYS` before the follow-up), `active`, or `failed` (GitHub refused to answer).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from analysis import config
from analysis.dates import INACTIVE_DAYS
from analysis.snapshot import FOLLOWUP_MANIFEST, SnapshotError, checked_date, read_json, read_manifest, safe_member

FOLLOWUP_FILE = "followup.parquet"
#: The statuses, most final first; `failed` rows have no answer and are left out of shares.
STATUSES = ("gone", "private", "archived", "inactive", "active", "failed")
SCHEMA = {
    "id": pl.Int64(),
    "node_id": pl.String(),
    "status": pl.String(),
    "name_then": pl.String(),
    "name_now": pl.String(),
    "renamed": pl.Boolean(),
    "transferred": pl.Boolean(),
    "archived": pl.Boolean(),
    "private": pl.Boolean(),
    "pushed_at": pl.String(),  # parsed to UTC datetimes after construction
    "stars": pl.Int64(),
    "forks": pl.Int64(),
    "open_issues": pl.Int64(),
    "topics": pl.List(pl.String()),
    "study_topics_kept": pl.Boolean(),
    "latest_release_tag": pl.String(),
    "latest_release_at": pl.String(),
}


@dataclass(frozen=True)
class FollowUp:
    """A finished follow-up: its answers per node id, when it was made, and its checksum."""

    folder: Path
    manifest: dict[str, Any]
    answers: dict[str, dict[str, Any] | None]  # node id asked -> the node (None: gone)
    failed: set[str]

    @property
    def followed_on(self) -> str:
        return checked_date(self.manifest["followed_on"], f"{self.folder / FOLLOWUP_MANIFEST}: field 'followed_on'")


def exists(folder: Path) -> bool:
    return (folder / FOLLOWUP_MANIFEST).is_file()


def checksum(snapshot: Path) -> str | None:
    """The checksum of the snapshot's follow-up manifest, or None without one: a new one means a rebuild."""
    return manifest_sha256(config.followup_dir(snapshot))


def manifest_sha256(folder: Path) -> str | None:
    path = folder / FOLLOWUP_MANIFEST
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def summary(follow_up: FollowUp) -> dict[str, Any]:
    """What quality.json records of the follow-up: where, when, its checksum, and how many failed."""
    return {
        "folder": follow_up.folder.name,
        "followed_on": follow_up.followed_on,
        "sha256": manifest_sha256(follow_up.folder),
        "failed": len(follow_up.failed),
    }


def read(folder: Path, snapshot_sha256: str) -> FollowUp:
    """A finished follow-up of the snapshot whose manifest checksum is `snapshot_sha256`."""
    path = folder / FOLLOWUP_MANIFEST
    manifest = read_manifest(path)
    if manifest.get("snapshot_sha256") != snapshot_sha256:
        raise SnapshotError(
            f"{path}: field 'snapshot_sha256' says this follows up another snapshot ({manifest.get('snapshot')!r});"
            " move it away or make a new one with `make follow`"
        )
    if not manifest.get("followed_on"):
        raise SnapshotError(
            f"{path}: the follow-up was interrupted (no 'followed_on');"
            " run `python -m analysis follow` again to finish it"
        )
    answers: dict[str, dict[str, Any] | None] = {}
    for i, entry in enumerate(manifest["requests"]):
        where = f"requests[{i}]"
        ids = entry["params"].get("variables", {}).get("ids")
        body = read_json(safe_member(folder, entry["file"], where), f"the response of {where}")
        nodes = (body.get("data") or {}).get("nodes") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not isinstance(nodes, list) or len(nodes) != len(ids):
            raise SnapshotError(f"{folder / entry['file']}: {where} does not answer one node per id asked")
        answers |= dict(zip(ids, nodes, strict=True))
    failed = set(manifest.get("failed") or {})
    return FollowUp(folder, manifest, answers, failed)


def status(node: dict[str, Any] | None, failed: bool, cutoff: str) -> str:
    """One repository's fate; `cutoff` is the follow-up date less INACTIVE_DAYS (ISO timestamp)."""
    if failed:
        return "failed"
    if node is None:
        return "gone"
    if node.get("isPrivate"):
        return "private"
    if node.get("isArchived"):
        return "archived"
    return "inactive" if (node.get("pushedAt") or "") < cutoff else "active"


def table(repos: pl.DataFrame, follow_up: FollowUp, study_topics: list[str]) -> pl.DataFrame:
    """One row per snapshot repository (SCHEMA), joined by the node id that was asked."""
    cutoff = (dt.date.fromisoformat(follow_up.followed_on) - dt.timedelta(days=INACTIVE_DAYS)).isoformat()
    rows = []
    for r in repos.select("id", "node_id", "full_name", "owner_login", "topics").iter_rows(named=True):
        node = follow_up.answers.get(r["node_id"])
        failed = r["node_id"] in follow_up.failed or r["node_id"] not in follow_up.answers
        now = node or {}
        name_now = now.get("nameWithOwner")
        owner_now = (now.get("owner") or {}).get("login")
        topics = [t["topic"]["name"] for t in (now.get("repositoryTopics") or {}).get("nodes") or []]
        had = [t for t in study_topics if t in (r["topics"] or [])]
        release = now.get("latestRelease") or {}
        rows.append(
            {
                "id": r["id"],
                "node_id": r["node_id"],
                "status": status(node, failed and node is None, cutoff),
                "name_then": r["full_name"],
                "name_now": name_now,
                "renamed": None if node is None else name_now != r["full_name"] and owner_now == r["owner_login"],
                "transferred": None if node is None else owner_now != r["owner_login"],
                "archived": now.get("isArchived"),
                "private": now.get("isPrivate"),
                "pushed_at": now.get("pushedAt"),
                "stars": now.get("stargazerCount"),
                "forks": now.get("forkCount"),
                "open_issues": (now.get("openIssues") or {}).get("totalCount"),
                "topics": topics if node is not None else None,
                "study_topics_kept": None if node is None else all(t in topics for t in had),
                "latest_release_tag": release.get("tagName"),
                "latest_release_at": release.get("publishedAt"),
            }
        )
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    return frame.with_columns(
        pl.col(c).str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC", strict=True)
        for c in ("pushed_at", "latest_release_at")
    )
