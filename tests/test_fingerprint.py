"""Step fingerprints and the model cache: what a key covers, and when a step counts as stale."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from analysis import config, fingerprint, report
from analysis.cli import main
from analysis.config import SOURCE_ROOT

PACKAGE = SOURCE_ROOT / "analysis"


def test_code_closure_follows_imports_and_nothing_else():
    closure = fingerprint.closure(["analysis.lda"])
    assert PACKAGE / "lda.py" in closure and PACKAGE / "text.py" in closure  # lda imports text
    assert PACKAGE / "__init__.py" in closure
    assert PACKAGE / "eda.py" not in closure and PACKAGE / "report.py" not in closure


def test_notebook_imports_are_read_from_its_cells():
    cells = ["#| label: setup\nfrom analysis import build, lda\nimport numpy as np", "%matplotlib inline\nlda.GRID"]
    modules = fingerprint.notebook_imports(cells)
    assert modules == ["analysis", "analysis.build", "analysis.lda"]
    assert PACKAGE / "clusters.py" not in fingerprint.closure(modules)


def test_a_cell_that_is_not_python_makes_the_notebook_depend_on_the_whole_package():
    assert fingerprint.notebook_imports(["from analysis import lda", "x = ("]) is None
    whole = fingerprint.files(PACKAGE.rglob("*.py"), SOURCE_ROOT)
    assert fingerprint.notebook_code(["x = ("]) == whole
    assert fingerprint.notebook_code(["from analysis import lda"]) != whole


def test_digests_tell_parts_and_contents_apart(tmp_path: Path):
    assert fingerprint.sha256("ab", "c") != fingerprint.sha256("a", "bc")
    page = tmp_path / "page.json"
    page.write_text("1")
    before = fingerprint.snapshot(tmp_path)
    page.write_text("2")
    assert fingerprint.snapshot(tmp_path) != before


def test_a_step_is_fresh_only_with_the_same_key_and_untouched_outputs(tmp_path: Path):
    out = tmp_path / "figure.png"
    out.write_bytes(b"png")
    store = fingerprint.Store.load(tmp_path / fingerprint.STORE_FILE)
    assert store.why_stale("draw", "k1") == "never ran here"
    store.record("draw", "k1", [out])
    store = fingerprint.Store.load(tmp_path / fingerprint.STORE_FILE)  # as the next run reads it
    assert store.why_stale("draw", "k1") is None
    assert store.why_stale("draw", "k2") == "its inputs changed"
    out.write_bytes(b"edited")
    assert store.why_stale("draw", "k1") == "figure.png was changed since"
    out.unlink()
    assert store.why_stale("draw", "k1") == "figure.png is missing"
    store.forget()
    assert fingerprint.Store.load(store.path).why_stale("draw", "k1") == "never ran here"


def test_model_cache_is_keyed_by_the_arguments(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MLOPS_PROJECT_ROOT", str(tmp_path))
    calls = []

    @fingerprint.cached
    def total(frame: pl.DataFrame) -> int:
        calls.append(frame.height)
        return int(frame["x"].sum())

    one, two = pl.DataFrame({"x": [1, 2]}), pl.DataFrame({"x": [1, 3]})
    assert [total(one), total(one), total(two)] == [3, 3, 4]
    assert calls == [2, 2]  # the second call with `one` was read back
    assert len(list(fingerprint.models_dir().glob("*.pickle"))) == 2


def test_a_model_of_some_columns_is_keyed_by_them_alone(tmp_path: Path, monkeypatch):
    """An edit to a column the model does not read reuses its result; one to a column it reads does not; and a
    column it reads without naming it fails at once instead of leaving its edits unseen."""
    monkeypatch.setenv("MLOPS_PROJECT_ROOT", str(tmp_path))
    calls = []

    @fingerprint.cached_on("x")
    def total(frame: pl.DataFrame, offset: int) -> int:
        calls.append(frame.columns)
        return int(frame["x"].sum()) + offset

    repos = pl.DataFrame({"x": [1, 2], "name": ["a", "b"]})
    assert total(repos, 0) == 3 and calls == [["x"]]
    assert total(repos.with_columns(pl.lit("renamed").alias("name")), 0) == 3 and len(calls) == 1
    assert total(repos.with_columns(pl.col("x") + 1), 0) == 5 and len(calls) == 2
    assert total(repos, 1) == 4 and len(calls) == 3

    @fingerprint.cached_on("x")
    def names(frame: pl.DataFrame) -> list[str]:
        return frame["name"].to_list()

    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        names(repos)


def test_force_reaches_the_report(tmp_path: Path, monkeypatch):
    """`make report FORCE=1` asks for --force, and --force reaches the report (which then forgets every step)."""

    def dry_run(*options: str) -> str:
        return subprocess.run(
            ["make", "-n", "report", f"SNAPSHOT={tmp_path}", *options],
            cwd=SOURCE_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    assert "--force" in dry_run("FORCE=1") and "--force" not in dry_run()
    calls = []
    monkeypatch.setattr(report, "run", lambda snapshot, why, force: calls.append(force))
    for options in (["--force"], []):
        assert CliRunner().invoke(main, ["report", "--snapshot", str(tmp_path), *options]).exit_code == 0
    assert calls == [True, False]


def test_a_follow_up_or_a_compared_snapshot_changes_the_data_key(tmp_path: Path, monkeypatch):
    """The build, facts and render keys start from `study_data`: a follow-up made later, or edited, or
    an older snapshot named by COMPARE, must make them stale."""
    monkeypatch.setenv(config.ROOT_ENV, str(tmp_path))
    monkeypatch.delenv(config.FOLLOWUP_ENV, raising=False)
    monkeypatch.delenv(config.COMPARE_ENV, raising=False)
    snapshot = tmp_path / "raw" / "snap"
    snapshot.mkdir(parents=True)
    (snapshot / "manifest.json").write_text("{}")
    alone = fingerprint.study_data(snapshot)
    follow_up = config.followup_dir(snapshot)
    assert follow_up == tmp_path / "data" / "followup" / "snap"
    follow_up.mkdir(parents=True)
    (follow_up / "followup.json").write_text('{"requests": []}')
    followed = fingerprint.study_data(snapshot)
    (follow_up / "followup.json").write_text('{"requests": [], "followed_on": "2026-11-28"}')
    finished = fingerprint.study_data(snapshot)
    older = tmp_path / "raw" / "older"
    older.mkdir()
    (older / "manifest.json").write_text("{}")
    monkeypatch.setenv(config.COMPARE_ENV, str(older))
    compared = fingerprint.study_data(snapshot)
    assert len({alone, followed, finished, compared}) == 4
    with_older = fingerprint.facts_inputs(snapshot)
    monkeypatch.delenv(config.COMPARE_ENV)
    assert fingerprint.facts_inputs(snapshot) != with_older
