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


def test_embedded_snapshot_is_the_default_when_none_was_collected(project):
    chosen, why = config.snapshot_choice()
    assert chosen == config.EMBEDDED_SNAPSHOT and (chosen / "manifest.json").is_file()
    assert "embedded 2023 snapshot" in why


def test_a_collected_snapshot_wins_over_the_embedded_one(project):
    write_snapshot(project / "data" / "raw" / "2026-12-01", [("topic:mlops", [repo_item(1)], 1)])
    chosen, why = config.snapshot_choice()
    assert chosen.name == "2026-12-01" and "newest of 1 collected" in why


def test_no_snapshot_at_all_says_how_to_get_one(project, monkeypatch):
    monkeypatch.setattr(config, "EMBEDDED_SNAPSHOT", project / "gone")
    with pytest.raises(config.SnapshotNotFound) as err:
        config.snapshot_dir()
    assert "git checkout -- data/recorded" in str(err.value) and "make collect" in str(err.value)
    result = CliRunner().invoke(main, ["report"])
    assert result.exit_code == 1
    assert "No snapshot to analyse" in result.output and str(project / "gone") in result.output


def test_report_says_first_which_snapshot_and_why(project, monkeypatch):
    """The first line of `make report` names the snapshot and the reason it was chosen."""
    import analysis.report

    def stop(*args, **kwargs):
        raise analysis.report.ReportError("stopped after the first line")

    monkeypatch.setattr(analysis.report.fingerprint.Store, "load", stop)
    result = CliRunner().invoke(main, ["report"])
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"Analysing the snapshot {config.EMBEDDED_SNAPSHOT}")
    assert "embedded 2023 snapshot" in first and "stopped after the first line" in result.stderr


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
