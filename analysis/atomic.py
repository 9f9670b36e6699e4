"""Atomic file writes: a reader, or a crash, never sees a half-written file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

_UMASK = os.umask(0)
os.umask(_UMASK)


def write_all(writers: Mapping[Path, Callable[[Path], object]]) -> None:
    """Write several files so that either all of them change or none does.

    Each writer fills a temporary file beside its target (what it returns is ignored); only when every writer has
    succeeded are the files renamed into place (a rename within a folder is atomic).
    """
    staged: dict[Path, Path] = {}
    try:
        for final, write in writers.items():
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
            os.close(fd)
            os.chmod(name, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
            staged[final] = Path(name)
            write(staged[final])
        for final, tmp in staged.items():
            os.replace(tmp, final)
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    write_all({path: lambda tmp: tmp.write_bytes(data)})


def json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, default=str) + "\n").encode()


def write_json(path: Path, obj: Any) -> None:
    write_bytes(path, json_bytes(obj))
