"""One writer per snapshot folder: an exclusive `flock` on `<folder>/.lock`.

The lock file names its holder (process id, host, command, start time) so that a second
`collect` or `enrich` on the same folder can say who holds it. The kernel drops the
lock when its holder dies, so a killed run never leaves the folder locked.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import sys
from pathlib import Path

from analysis.snapshot import SnapshotError

LOCK = ".lock"


class FolderLock:
    """Held from `acquire()` until `release()`; the lock file is removed by its holder."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK
        self._fd: int | None = None

    def acquire(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._holder(fd)
                os.close(fd)
                raise SnapshotError(
                    f"{self.path.parent}: another run is writing this snapshot ({holder});"
                    " wait for it to finish, or choose another folder"
                ) from None
            try:  # the previous holder may have removed the file between our open and flock
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        os.ftruncate(fd, 0)
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": " ".join(["analysis", *(a for a in sys.argv[1:] if a in ("collect", "enrich"))]),
        }
        os.write(fd, json.dumps(record).encode())
        self._fd = fd

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            info = json.loads(os.pread(fd, 4096, 0) or b"{}")
            return f"process {info['pid']} on {info['host']}, {info['command']!r}, since {info['started_at']}"
        except (ValueError, KeyError, OSError):
            return "a process that has not yet said who it is"
