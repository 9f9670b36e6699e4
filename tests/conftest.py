from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RECORDED = REPO.parent / "shared" / "data" / "github-search-2023-01"


@pytest.fixture(scope="session")
def recorded_snapshot() -> Path:
    """The real recorded 2023 snapshot, read in place. Under CI its absence is a failure."""
    path = Path(os.environ.get("RECORDED_SNAPSHOT", DEFAULT_RECORDED))
    if not (path / "manifest.json").is_file():
        message = f"recorded snapshot not found at {path} (set RECORDED_SNAPSHOT)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path.resolve()
