"""Files the analysis reads besides the snapshot: hand labels, the curated tool list, the talk's values.

Each ships with the project. One that is missing, unreadable, malformed or (where its folder lists a
checksum in `SHA256SUMS`) changed stops the analysis with a message naming the file and what to do:
a report made without it would still cite it as a source, so an empty result is never the answer.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from analysis.config import SOURCE_ROOT

#: A folder's checksums, in `sha256sum`'s format: `<hex>  <file name>` a line.
CHECKSUMS = "SHA256SUMS"


class InputFileError(ValueError):
    """A file the analysis needs is missing, unreadable, malformed or not the file it should be."""


#: The folders of data/ that git tracks: what the project ships.
SHIPPED_DIRS = ("recorded", "reference", "labels", "talk")


def restore_hint(path: Path) -> str:
    """How to get a file back: from git when the project ships it, else from wherever it came from."""
    try:
        relative = path.resolve().relative_to(SOURCE_ROOT / "data")
    except ValueError:
        relative = None
    if relative is not None and relative.parts[0] in SHIPPED_DIRS:
        return f"restore it with `git checkout -- data/{relative}`"
    return "restore the original file (recorded data is never edited), or record the snapshot again"


def expected_sha256(path: Path) -> str | None:
    """The checksum `SHA256SUMS` beside `path` lists for it, or None when none is listed."""
    sums = path.parent / CHECKSUMS
    if not sums.is_file():
        return None
    for line in sums.read_text().splitlines():
        digest, _, name = line.partition("  ")
        if name.strip() == path.name:
            return digest.strip()
    return None


def read_bytes(path: Path, what: str) -> bytes:
    """`path`'s bytes, checked against its listed checksum; an InputFileError naming it otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: {what} is missing; {restore_hint(path)}") from None
    except OSError as e:
        raise InputFileError(f"{path}: cannot read {what} ({e.strerror}); {restore_hint(path)}") from None
    expected = expected_sha256(path)
    if expected is not None and hashlib.sha256(data).hexdigest() != expected:
        raise InputFileError(
            f"{path}: {what} fails its checksum (not the sha256 that {path.parent / CHECKSUMS} lists);"
            f" {restore_hint(path)}"
        )
    return data


def read_rows(path: Path, what: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a CSV file that must have `columns`, as dictionaries."""
    try:
        text = read_bytes(path, what).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: {what} is not UTF-8 text; {restore_hint(path)}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise InputFileError(f"{path}: {what} has no column {', '.join(map(repr, missing))}; {restore_hint(path)}")
    rows = list(reader)
    if not rows:
        raise InputFileError(f"{path}: {what} holds no rows; {restore_hint(path)}")
    return rows
