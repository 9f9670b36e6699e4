"""Which snapshot the study reads, and the message when there is none."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from snapshots import repo_item, write_snapshot

from analysis import config
from analysis.cli import main


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ROOT_ENV, str(tmp_path))
    monkeypatch.delenv(config.SNAPSHOT_ENV, raising=False)
    monkeypatch.delenv(config.PROCESSED_ENV, raising=False)
    return tmp_path


def test_newest_raw_snapshot_is_default(project):
    for day in ("2024-01-02", "2025-06-30", "2024-12-31"):
        write_snapshot(project / "data" / "raw" / day, [("topic:mlops", [repo_item(1)], 1)])
    (project / "data" / "raw" / "2099-01-01").mkdir()  # no manifest: not a snapshot
    assert config.snapshot_dir().name == "2025-06-30"
    assert config.processed_dir() == project / "data" / "processed" / "2025-06-30"


def test_snapshot_env_wins(project, monkeypatch):
    monkeypatch.setenv(config.SNAPSHOT_ENV, str(project / "elsewhere"))
    assert config.snapshot_dir() == (project / "elsewhere").resolve()


def test_no_snapshot_says_how_to_get_one(project):
    with pytest.raises(config.SnapshotNotFound) as err:
        config.snapshot_dir()
    assert "make collect" in str(err.value) and "SNAPSHOT=" in str(err.value)


def test_report_without_snapshot_stops_clearly(project):
    result = CliRunner().invoke(main, ["report"])
    assert result.exit_code == 1
    assert "No snapshot to analyse" in result.output and "make collect" in result.output


def test_relative_snapshot_is_read_from_where_it_was_typed(project, monkeypatch, tmp_path):
    """A kernel runs in notebooks/ but inherits $PWD from the shell that started Jupyter."""
    typed_in = tmp_path / "checkout"
    write_snapshot(typed_in / "snapshots" / "s1", [("topic:mlops", [repo_item(1)], 1)])
    kernel_dir = typed_in / "notebooks"
    kernel_dir.mkdir()
    monkeypatch.chdir(kernel_dir)
    monkeypatch.setenv("PWD", str(typed_in))
    monkeypatch.setenv(config.SNAPSHOT_ENV, "snapshots/s1")
    assert config.snapshot_dir() == (typed_in / "snapshots" / "s1").resolve()
    monkeypatch.setenv(config.SNAPSHOT_ENV, "../snapshots/s1")  # relative to the working directory wins
    assert config.snapshot_dir() == (typed_in / "snapshots" / "s1").resolve()
