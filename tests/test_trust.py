"""Issue 10: collection and build you can trust with your data and your token.

Against the fake GitHub server: incomplete slices, one writer per folder, files left
alone, secrets never echoed, unfinished snapshots refused, enrichment that degrades,
Enterprise paths, and one-line errors instead of tracebacks.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from fake_github import FakeGitHub, make_repos
from test_collect import SCALE, TOKEN, collect, enriched, env, every_file_parses  # noqa: F401 (env is a fixture)

from analysis import atomic
from analysis.build import build, load
from analysis.cli import main
from analysis.collection import live
from analysis.collection.github import graphql_url
from analysis.collection.lock import FolderLock
from analysis.snapshot import SnapshotError

CANARY = "ghp_Canary0123456789abcdefCANARY"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def no_canary(tmp_path: Path, *outputs: str) -> None:
    """The canary appears in no output stream and in no file anywhere under tmp_path."""
    for text in outputs:
        assert CANARY not in text and CANARY.strip() not in text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


# -- complete, or it says so ------------------------------------------------------------------------
def test_slices_still_short_fail_the_run_unless_accepted(env, tmp_path):
    repos = make_repos(400)
    hidden = {repos[3]["id"], repos[200]["id"]}  # counted in total_count, never served
    with env(FakeGitHub(repos, hidden=hidden)):
        result = collect(tmp_path / "snap", "--topic", "mlops", "--no-enrich")
        assert result.exit_code == 1 and "stayed short of their total_count" in result.output
        assert "short: created:" in result.output
        manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())
        assert manifest["incomplete_slices"] and manifest["collected_on"]
        with pytest.raises(SnapshotError, match="incomplete.*--allow-incomplete"):
            build(tmp_path / "snap", tmp_path / "out")
        quality = build(tmp_path / "snap", tmp_path / "out", allow_incomplete=True)
        assert "incomplete" in quality["unfinished"] and quality["repositories"] == 398
        accepted = collect(tmp_path / "snap", "--topic", "mlops", "--no-enrich", "--allow-incomplete")
        assert accepted.exit_code == 0, accepted.output


def test_interrupted_snapshot_refused_by_build_and_report(tmp_path, monkeypatch):
    snap = tmp_path / "root" / "data" / "raw" / "2026-01-01"  # the newest (only) one: what `make report` picks
    snap.mkdir(parents=True)
    (snap / "p1.json").write_text(json.dumps({"total_count": 0, "items": []}))
    entry = {
        "file": "p1.json",
        "path": "/search/repositories",
        "params": {"q": "topic:mlops"},
        "fetched_at": "2026-01-01T00:00:00Z",
    }
    (snap / "manifest.json").write_text(json.dumps({"started_at": "2026-01-01T00:00:00Z", "requests": [entry]}))
    result = CliRunner().invoke(main, ["build", "--snapshot", str(snap), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "interrupted" in result.output and "--allow-incomplete" in result.output
    assert not (tmp_path / "out").exists()
    monkeypatch.setenv("MLOPS_PROJECT_ROOT", str(tmp_path / "root"))
    monkeypatch.delenv("SNAPSHOT", raising=False)
    result = CliRunner().invoke(main, ["report"])
    assert result.exit_code == 1 and "interrupted" in result.output
    accepted = CliRunner().invoke(
        main, ["build", "--snapshot", str(snap), "--out", str(tmp_path / "out"), "--allow-incomplete"]
    )
    assert accepted.exit_code == 0 and "WARNING: accepted although its collection was interrupted" in accepted.output


# -- one writer, and only its own files ------------------------------------------------------------
def test_second_writer_fails_at_once_naming_the_holder(env, tmp_path):
    out = tmp_path / "snap"
    out.mkdir()
    with env(FakeGitHub(make_repos(50))) as fake, FolderLock(out):
        result = collect(out, "--topic", "mlops")
        assert not fake.log
        enriched = CliRunner().invoke(main, ["enrich", "--snapshot", str(out)])
    assert result.exit_code == 1 and f"another run is writing this snapshot (process {os.getpid()}" in result.output
    assert enriched.exit_code == 1 and "another run is writing" in enriched.output


def test_concurrent_runs_leave_one_consistent_snapshot(tmp_path):
    repos = make_repos(1200)
    out = tmp_path / "snap"
    with FakeGitHub(repos, token=TOKEN, delay=0.4) as fake:  # the first run takes over 5 s
        env = {**os.environ, "GITHUB_API_URL": fake.url, "GITHUB_TOKEN": TOKEN, live.TIME_SCALE_ENV: SCALE}
        cmd = [sys.executable, "-m", "analysis", "collect", "--topic", "mlops", "--no-enrich", "--out", str(out)]
        first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while not fake.log and time.time() < deadline:
            time.sleep(0.01)
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        _, err = first.communicate(timeout=120)
    assert second.returncode == 1 and f"another run is writing this snapshot (process {first.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.returncode == 0, err[-2000:]
    every_file_parses(out)
    build(out, tmp_path / "out")
    assert set(load(tmp_path / "out").repos["id"].to_list()) == {r["id"] for r in repos}


def test_files_it_did_not_write_are_left_alone(env, tmp_path):
    out = tmp_path / "snap"
    out.mkdir()
    theirs = [out / ".notes.tmp", out / ".manifest.json.abc123.tmp"]
    for path in theirs:
        path.write_text("someone else's")
    with env(FakeGitHub(make_repos(50))):
        assert collect(out, "--topic", "mlops", "--no-enrich").exit_code == 0
        assert collect(out, "--topic", "mlops", "--no-enrich").exit_code == 0
    assert all(p.read_text() == "someone else's" for p in theirs)
    assert not (out / ".lock").exists()


def test_enrich_adds_files_and_never_rewrites_recorded_ones(env, tmp_path):
    out = tmp_path / "snap"
    with env(FakeGitHub(make_repos(120))):
        assert collect(out, "--topic", "mlops", "--no-enrich").exit_code == 0
    before = {p.name: sha(p) for p in out.iterdir()}
    with env(FakeGitHub(make_repos(120), token="another")):  # a failing enrich
        assert CliRunner().invoke(main, ["enrich", "--snapshot", str(out)]).exit_code == 1
    assert {p.name: sha(p) for p in out.iterdir() if p.name in before} == before
    with env(FakeGitHub(make_repos(120))):
        result = CliRunner().invoke(main, ["enrich", "--snapshot", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name: sha(p) for p in out.iterdir() if p.name in before} == before
    quality = build(out, tmp_path / "out")
    assert quality["manifest_sha256_covers"] == ["manifest.json", "enrichment.json"]
    assert quality["enriched"] and enriched(tmp_path / "out")[0].height == 120


def test_interrupted_enrichment_refused_until_finished(env, tmp_path):
    out = tmp_path / "snap"
    with env(FakeGitHub(make_repos(60))):
        assert collect(out, "--topic", "mlops").exit_code == 0
        manifest = json.loads((out / "enrichment.json").read_text())
        (out / "enrichment.json").write_text(json.dumps({k: v for k, v in manifest.items() if k != "enriched_on"}))
        with pytest.raises(SnapshotError, match="enrichment was interrupted"):
            build(out, tmp_path / "out")
        assert CliRunner().invoke(main, ["enrich", "--snapshot", str(out)]).exit_code == 0
    assert build(out, tmp_path / "out")["enriched"]


def test_recorded_snapshot_is_never_written_into(env, tmp_path, recorded_snapshot):
    copy = tmp_path / "recorded"
    shutil.copytree(recorded_snapshot, copy)
    before = {p.name: sha(p) for p in copy.iterdir()}
    with env(FakeGitHub(make_repos(10))):
        assert CliRunner().invoke(main, ["enrich", "--snapshot", str(copy)]).exit_code == 0
        refused = collect(copy, "--topic", "mlops")
    assert refused.exit_code == 1 and "not written by `analysis collect`" in refused.output
    assert {p.name: sha(p) for p in copy.iterdir() if p.name in before} == before


# -- secrets ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("token", [CANARY + "\r\n", CANARY + " ", "\t" + CANARY])
def test_token_with_whitespace_refused_without_echo(env, tmp_path, token):
    with env(FakeGitHub(make_repos(10)), token=token) as fake:
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert not fake.log
    assert result.exit_code == 1 and "whitespace or a control character" in result.output
    no_canary(tmp_path, result.output)


def test_token_with_a_line_break_never_reaches_the_real_streams(tmp_path):
    with FakeGitHub(make_repos(10)) as fake:
        env = {**os.environ, "GITHUB_API_URL": fake.url, "GITHUB_TOKEN": CANARY + "\r\n", live.TIME_SCALE_ENV: SCALE}
        for debug in ([], ["--debug"]):
            run = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "analysis",
                    *debug,
                    "collect",
                    "--topic",
                    "mlops",
                    "--out",
                    str(tmp_path / "snap"),
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert run.returncode == 1 and ("Traceback" in run.stderr) == bool(debug)
            no_canary(tmp_path, run.stdout, run.stderr)
        assert not fake.log and not fake.seen_authorization


def test_credentials_in_the_api_url_refused_before_anything_is_written(env, tmp_path, monkeypatch):
    with env(FakeGitHub(make_repos(10))) as fake:
        monkeypatch.setenv("GITHUB_API_URL", fake.url.replace("http://", f"http://user:{CANARY}@"))
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert not fake.log
    assert result.exit_code == 1 and "must not carry credentials" in result.output
    assert not (tmp_path / "snap").exists()
    no_canary(tmp_path, result.output)


def test_no_traceback_and_no_token_even_under_debug(env, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError(f"Illegal header value b'Bearer {CANARY}'")

    with env(FakeGitHub(make_repos(10)), token=CANARY):
        monkeypatch.setattr(live, "collect", boom)
        plain = CliRunner().invoke(main, ["collect", "--out", str(tmp_path / "s"), "--topic", "mlops"])
        debug = CliRunner().invoke(main, ["--debug", "collect", "--out", str(tmp_path / "s"), "--topic", "mlops"])
    assert plain.exit_code == 1 and "Traceback" not in plain.output
    assert plain.output.strip().count("\n") == 0 and "unexpected RuntimeError" in plain.output
    assert debug.exit_code == 1 and "Traceback" in debug.output and "***" in debug.output
    no_canary(tmp_path, plain.output, debug.output)


@pytest.mark.parametrize(
    "url,message",
    [
        ("http://[::1", "not a valid URL"),
        ("http://host:99999", "not a valid URL"),
        ("ftp://example.invalid", "must be an http(s) URL"),
    ],
)
def test_bad_api_urls_are_one_line_errors(env, tmp_path, monkeypatch, url, message):
    monkeypatch.setenv("GITHUB_API_URL", url)
    result = collect(tmp_path / "snap", "--topic", "mlops")
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_full_disk_is_a_one_line_error_and_the_rerun_finishes(env, tmp_path, monkeypatch):
    real = atomic.write_bytes
    calls = {"n": 0}

    def full(path, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    with env(FakeGitHub(make_repos(300))):
        monkeypatch.setattr(atomic, "write_bytes", full)
        result = collect(tmp_path / "snap", "--topic", "mlops", "--no-enrich")
        assert result.exit_code == 1 and "No space left on device" in result.output
        assert "Traceback" not in result.output
        monkeypatch.setattr(atomic, "write_bytes", real)
        assert collect(tmp_path / "snap", "--topic", "mlops", "--no-enrich").exit_code == 0
    assert build(tmp_path / "snap", tmp_path / "out")["repositories"] == 300


def test_odd_queries_and_foreign_manifests_are_handled(env, tmp_path):
    with env(FakeGitHub(make_repos(10))):
        result = collect(tmp_path / "a", "--query", "topic:mlops [/x]", "--no-enrich")
        assert result.exit_code == 0 and "topic:mlops [/x]:" in result.output
        foreign = tmp_path / "b"
        foreign.mkdir()
        (foreign / "manifest.json").write_text('["not", "ours"]')
        result = collect(foreign, "--topic", "mlops")
    assert result.exit_code == 1 and "not written by `analysis collect`" in result.output


# -- enrichment degrades, Enterprise works -----------------------------------------------------------
def test_enrichment_splits_timeouts_records_refusals_and_keys_by_the_asked_id(env, tmp_path):
    repos = make_repos(120)
    refused = {repos[4]["node_id"], repos[50]["node_id"]}
    with env(FakeGitHub(repos, forbidden=refused, max_batch=12, renumber=True)) as fake:
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert fake.count("/graphql", 502) > 0
    assert result.exit_code == 0, result.output
    assert "118 repositories enriched, 0 missing (deleted or private), 2 failed" in result.output
    build(tmp_path / "snap", tmp_path / "out")
    e, _ = enriched(tmp_path / "out")
    assert set(e.filter(pl.col("status") == "failed")["id"].to_list()) == {repos[4]["id"], repos[50]["id"]}
    ok = e.filter(pl.col("status") != "failed")
    served = [r for r in repos if r["node_id"] not in refused]
    assert ok["pull_requests_seen"].sum() == sum(r["_pulls"] for r in served), "later pages kept"
    assert ok["issues_seen"].sum() == sum(r["_issues"] for r in served)


def test_graphql_url_for_github_and_enterprise():
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.com/api/v3") == "https://ghe.example.com/api/graphql"


def test_collects_and_enriches_from_github_enterprise(env, tmp_path):
    repos = make_repos(80)
    with env(FakeGitHub(repos, enterprise=True)) as fake:
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert fake.count("/graphql", 200) > 0 and not fake.count("/not-enterprise")
    assert result.exit_code == 0, result.output
    build(tmp_path / "snap", tmp_path / "out")
    assert enriched(tmp_path / "out")[0].height == 80


# -- build's output folder ---------------------------------------------------------------------------
def test_build_refuses_outputs_that_would_harm(tmp_path, recorded_snapshot):
    def run(out: Path):
        return CliRunner().invoke(main, ["build", "--snapshot", str(recorded_snapshot), "--out", str(out)])

    inside = run(recorded_snapshot / "tables")
    assert inside.exit_code == 1 and "inside the snapshot" in inside.output
    assert not (recorded_snapshot / "tables").exists()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert "is a file, not a folder" in run(a_file).output
    out = tmp_path / "out"
    (out / "quality.json").mkdir(parents=True)
    (out / "repos.parquet").write_bytes(b"previous")
    result = run(out)
    assert result.exit_code == 1 and "is a folder, where build writes a file" in result.output
    assert (out / "repos.parquet").read_bytes() == b"previous"


def test_stored_graphql_answers_are_typed_too(env, tmp_path):
    out = tmp_path / "snap"
    with env(FakeGitHub(make_repos(30))):
        assert collect(out, "--topic", "mlops").exit_code == 0
    entry = next(
        e
        for e in json.loads((out / "enrichment.json").read_text())["requests"]
        if e["params"]["operation"] == "RepoCounts"
    )
    answer = json.loads((out / entry["file"]).read_text())
    answer["data"]["nodes"][2]["stargazerCount"] = "12"
    (out / entry["file"]).write_text(json.dumps(answer))
    result = CliRunner().invoke(main, ["build", "--snapshot", str(out), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{entry['file']}: Expected `int | null`, got `str` - at `data.nodes[2].stargazerCount`" in result.output


@pytest.mark.parametrize("doc", ["paper.qmd", "slides.qmd"])
def test_documents_warn_when_an_unfinished_snapshot_was_accepted(doc):
    """The documents show a warning callout, with the reason, only when quality.json says `unfinished`."""
    from conftest import REPO

    from analysis import documents

    text = documents.read(REPO / doc)
    assert "{{< meta unfinished >}}" not in text.shown({"unfinished": ""}).body
    shown = text.shown({"unfinished": "its collection was interrupted"}).body
    warning = shown[shown.index("::: {.callout-warning}") :]
    assert "{{< meta unfinished >}}" in warning.split(":::\n")[0]
