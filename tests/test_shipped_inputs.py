"""Every file the analysis reads besides code ships with the project, and none fails silently.

Each case copies the project, breaks one shipped file (removes it, or changes a byte of one with a checksum), and
runs `python -m analysis report` there: it must stop at once with one line naming the file and what to do, and
write nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from project_copy import copy_sources

from analysis import config

pytestmark = pytest.mark.integration  # each test runs the report on a broken copy
SNAPSHOT = config.EMBEDDED_SNAPSHOT.relative_to(config.SOURCE_ROOT)
SHIPPED = (
    "data/reference/mlops-tools-curated-2023.csv",
    "data/labels/content_types.csv",
    "data/labels/key_players.csv",
    "data/talk/stated.csv",
    f"{SNAPSHOT}/manifest.json",
    f"{SNAPSHOT}/topic_mlops_pg_4.json",
    f"{SNAPSHOT}/topic_modelmanagement_pg_1.json",
)
#: Files whose checksum is recorded (in the snapshot's manifest, or SHA256SUMS beside them).
CHECKSUMMED = (SHIPPED[0], SHIPPED[5], SHIPPED[6])


def remove(path: Path) -> None:
    path.unlink()


def change_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x20
    path.write_bytes(bytes(data))


def empty(path: Path) -> None:
    path.write_text("")


def report_in_copy(tmp_path: Path, name: str, damage) -> subprocess.CompletedProcess[str]:
    src = copy_sources(tmp_path / "src")
    damage(src / name)
    env = {k: v for k, v in os.environ.items() if k not in (config.SNAPSHOT_ENV, config.PROCESSED_ENV)}
    env |= {"PYTHONPATH": str(src), config.ROOT_ENV: str(src), config.OUTPUT_ENV: str(src / "_output")}
    return subprocess.run(
        [sys.executable, "-m", "analysis", "report"], cwd=src, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("name", "damage"),
    [(n, remove) for n in SHIPPED] + [(n, change_one_byte) for n in CHECKSUMMED] + [(SHIPPED[1], empty)],
)
def test_a_broken_shipped_file_stops_the_report_by_name(tmp_path, name, damage):
    result = report_in_copy(tmp_path, name, damage)
    assert result.returncode == 1, result.stderr[-2000:]
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: ") and str(tmp_path / "src" / name) in error, error
    assert "git checkout -- data/" in error, error  # what to do
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "src" / "_output").exists() and not (tmp_path / "src" / "data" / "processed").exists()


def test_the_intact_files_pass_the_same_check():
    """The check can pass: the checkout's own files are whole."""
    from analysis import report

    report.check_inputs(config.EMBEDDED_SNAPSHOT)  # raises on a broken file, as the cases above show
