"""Live collection against the fake GitHub server: completeness, faults, resumability, safety."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result
from fake_github import FakeGitHub, Fault, make_repos

from analysis.build import build, load
from analysis.cli import main
from analysis.collection import live
from analysis.collection.store import JOURNAL

TOKEN = "ghp_TestTokenThatMustNeverLeak0123456789"
SCALE = "0.0005"


@pytest.fixture
def env(monkeypatch):
    """Point the collector at a fake server; returns a function that starts one."""
    monkeypatch.setenv(live.TIME_SCALE_ENV, SCALE)
    monkeypatch.setenv(live.TIMEOUT_ENV, "0.5")
    monkeypatch.delenv("GH_TOKEN", raising=False)

    def start(fake: FakeGitHub, token: str | None = TOKEN) -> FakeGitHub:
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        if token:
            monkeypatch.setenv("GITHUB_TOKEN", token)
        else:
            monkeypatch.delenv("GITHUB_TOKEN", raising=False)
        return fake

    yield start


def collect(out: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["collect", "--out", str(out), *args])


def enriched(processed: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The enrichment and monthly pull-request tables `build` wrote, which these tests expect to be there."""
    study = load(processed)
    assert study.enrichment is not None and study.pull_requests_monthly is not None, f"{processed}: not enriched"
    return study.enrichment, study.pull_requests_monthly


def every_file_parses(folder: Path, killed: bool = False) -> None:
    """Every file listed and parsing; after a kill, a half-written temporary file may remain
    (the collector removes no file it did not write in this run), and nothing lists it."""
    names = {p.name for p in folder.iterdir()}
    if killed:
        names -= {n for n in names if re.fullmatch(r"\.(manifest|enrichment|search_|graphql_)\S*\.tmp", n)}
    assert not [n for n in names if n.endswith(".tmp") or n == JOURNAL], names
    manifests = {"manifest.json", "enrichment.json"} & names
    requests = [e for m in manifests for e in json.loads((folder / m).read_text())["requests"]]
    files = [e["file"] for e in requests]
    keys = [e["key"] for e in requests]
    assert len(files) == len(set(files)) and len(keys) == len(set(keys)), "nothing duplicated"
    assert names == set(files) | manifests, "every file listed, every listed file present"
    for name in names:
        json.loads((folder / name).read_text())


def test_collects_every_repository_past_the_cap(env, tmp_path):
    repos = make_repos(2600)
    with env(FakeGitHub(repos)) as fake:
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert result.exit_code == 0, result.output
        assert fake.count("/search", 422) == 0
    manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    slices = manifest["slices"]["topic:mlops"]
    assert len(slices) > 1 and all(s["total_count"] <= 1000 for s in slices)
    assert sum(s["total_count"] for s in slices) == 2600
    quality = build(tmp_path / "snap", tmp_path / "out")
    study = load(tmp_path / "out")
    assert set(study.repos["id"].to_list()) == {r["id"] for r in repos}
    (q,) = quality["queries"]
    assert (q["total_count"], q["unique"], q["missing"]) == (2600, 2600, 0)
    assert "2,600 unique repositories of total_count 2,600 (100.0%)" in result.output
    every_file_parses(tmp_path / "snap")


def test_enrichment_counts_and_activity(env, tmp_path):
    repos = make_repos(300)
    gone = {repos[5]["node_id"], repos[7]["node_id"]}
    with env(FakeGitHub(repos, deleted=gone)):
        assert collect(tmp_path / "snap", "--topic", "mlops").exit_code == 0
    build(tmp_path / "snap", tmp_path / "out")
    e, monthly = enriched(tmp_path / "out")
    assert e.height == 300
    assert set(e.filter(pl.col("status") == "unavailable")["id"].to_list()) == {repos[5]["id"], repos[7]["id"]}
    renamed = {r["id"] for r in repos if r["id"] % 29 == 0} - {repos[5]["id"], repos[7]["id"]}
    assert set(e.filter(pl.col("status") == "renamed")["id"].to_list()) == renamed
    big = e.filter(pl.col("id") == repos[0]["id"]).row(0, named=True)  # 230 issues, 260 PRs: 3 pages each
    assert (big["issues_seen"], big["pull_requests_seen"]) == (230, 260)
    expected_authors = len({(repos[0]["id"] + i) % (5 + 260 // 4) for i in range(260) if i % 17 != 16})
    assert big["contributors"] == expected_authors
    assert monthly.filter(pl.col("id") == repos[0]["id"])["opened"].sum() == 260
    ok = e.filter(pl.col("status") != "unavailable")
    assert (ok["pull_requests_seen"].sum()) == sum(r["_pulls"] for r in repos if r["node_id"] not in gone)


def test_rerun_revalidates_with_etags(env, tmp_path):
    with env(FakeGitHub(make_repos(1500))) as fake:
        assert collect(tmp_path / "snap", "--topic", "mlops").exit_code == 0
        first = len(fake.log)
        before = json.loads((tmp_path / "snap" / "manifest.json").read_text())
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert result.exit_code == 0, result.output
        second = fake.log[first:]
    assert second and all(status == 304 for _, path, status in second if "/search" in path)
    assert not [p for _, p, _ in second if p == "/graphql"], "stored GraphQL answers are reused"
    after = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert [e["file"] for e in after["requests"]] == [e["file"] for e in before["requests"]]
    every_file_parses(tmp_path / "snap")


@pytest.mark.parametrize("n", [900, 2600])
def test_every_repository_collected_while_results_move_between_pages(env, tmp_path, n):
    """Repositories updated mid-paging move between pages; short slices are asked again by halves."""
    repos = make_repos(n)
    with env(FakeGitHub(repos, shift=True, churn=0.5, seed=n)) as fake:
        result = collect(tmp_path / "snap", "--topic", "mlops", "--no-enrich")
        assert result.exit_code == 0, result.output
        searches = fake.count("/search")
    quality = build(tmp_path / "snap", tmp_path / "out")
    (q,) = quality["queries"]
    assert set(load(tmp_path / "out").repos["id"].to_list()) == {r["id"] for r in repos}
    assert (q["total_count"], q["unique"], q["missing"]) == (n, n, 0)
    floor = -(-n // 100)
    assert floor < searches <= 1.3 * floor + 3, "short slices were asked again, cheaply"


@pytest.mark.parametrize(
    "kind,path",
    [
        ("secondary", "/search"),
        ("secondary_no_retry_after", "/search"),
        ("too_many", "/search"),
        ("primary", "/search"),
        ("500", "/search"),
        ("502", "/search"),
        ("slow", "/search"),
        ("drop", "/search"),
        ("truncated", "/search"),
        ("graphql_rate_limited", "/graphql"),
        ("502", "/graphql"),
        ("truncated", "/graphql"),
        ("secondary", "/graphql"),
    ],
)
def test_recovers_from_faults(env, tmp_path, kind, path):
    repos = make_repos(150)
    with env(FakeGitHub(repos, faults=[Fault(path, kind, times=2)], slow_seconds=1.0)) as fake:
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert result.exit_code == 0, result.output
        assert fake.faults[0].times == 0, "the fault was served"
    build(tmp_path / "snap", tmp_path / "out")
    assert load(tmp_path / "out").repos.height == 150 and enriched(tmp_path / "out")[0].height == 150
    every_file_parses(tmp_path / "snap")


def test_gives_up_clearly_and_resumes(env, tmp_path):
    with env(FakeGitHub(make_repos(1200), faults=[Fault("/search", "502", times=1000)])):
        result = collect(tmp_path / "snap", "--topic", "mlops")
    assert result.exit_code == 1
    assert "gave up after" in result.output and "Traceback" not in result.output
    with env(FakeGitHub(make_repos(1200))):
        assert collect(tmp_path / "snap", "--topic", "mlops").exit_code == 0
    assert build(tmp_path / "snap", tmp_path / "out")["repositories"] == 1200


def test_incomplete_results_are_refetched_then_recorded(env, tmp_path):
    with env(FakeGitHub(make_repos(150), faults=[Fault("/search", "incomplete", times=1)])):
        assert collect(tmp_path / "a", "--topic", "mlops", "--no-enrich").exit_code == 0
    assert build(tmp_path / "a", tmp_path / "oa")["queries"][0]["incomplete_pages"] == 0
    with env(FakeGitHub(make_repos(150), faults=[Fault("/search", "incomplete", times=99)])) as fake:
        result = collect(tmp_path / "b", "--topic", "mlops", "--no-enrich")
        assert result.exit_code == 0 and "still incomplete" in result.output
        assert fake.count("/search") == 2 * 3  # two pages, each asked three times
    assert build(tmp_path / "b", tmp_path / "ob")["queries"][0]["incomplete_pages"] == 2


def test_bad_token_stops_at_once(env, tmp_path):
    with env(FakeGitHub(make_repos(50), token="the-right-one"), token="a-wrong-one") as fake:
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert len(fake.log) == 1
    assert result.exit_code == 1 and "401 Bad credentials" in result.output
    assert "a-wrong-one" not in result.output


def test_without_token_searches_and_says_so_once(env, tmp_path):
    with env(FakeGitHub(make_repos(150)), token=None) as fake:
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert fake.count("/graphql") == 0
    assert result.exit_code == 0, result.output
    assert result.output.count("No GITHUB_TOKEN or GH_TOKEN set") == 1
    assert "Enrichment skipped" in result.output
    assert build(tmp_path / "snap", tmp_path / "out")["repositories"] == 150


def test_token_never_written_or_printed(env, tmp_path):
    with env(FakeGitHub(make_repos(150), token=TOKEN)) as fake:
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert f"Bearer {TOKEN}" in fake.seen_authorization
    assert result.exit_code == 0
    build(tmp_path / "snap", tmp_path / "out")
    assert TOKEN not in result.output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(
    "args,message",
    [
        (["--topic", "MLOps"], "not a valid GitHub topic"),
        (["--topic", "a" * 51], "not a valid GitHub topic"),
        (["--topic", "-mlops"], "not a valid GitHub topic"),
        (["--query", "x" * 206], "so at most 205"),
        (["--topic", "mlops\n"], "not a valid GitHub topic"),
        (["--query", "topic:mlops\tx"], "control character"),
        (["--query", "a OR b OR c OR d OR e OR f OR g"], "more than 5 AND/OR/NOT"),
        (["--query", "topic:mlops created:2020-01-01..2021-01-01"], "created:"),
    ],
)
def test_bad_queries_refused_before_any_request(env, tmp_path, args, message):
    with env(FakeGitHub(make_repos(10))) as fake:
        result = collect(tmp_path / "snap", *args)
        assert not fake.log
    assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / "snap").exists()


def test_out_folder_of_other_queries_refused(env, tmp_path):
    with env(FakeGitHub(make_repos(30))) as fake:
        assert collect(tmp_path / "snap", "--topic", "mlops", "--no-enrich").exit_code == 0
        requests = len(fake.log)
        result = collect(tmp_path / "snap", "--topic", "model-management")
        assert len(fake.log) == requests
    assert result.exit_code == 1 and "holds a snapshot of ['topic:mlops']" in result.output


def test_unwritable_folder_and_bad_api_url_refused(env, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with env(FakeGitHub(make_repos(10))) as fake:
        result = collect(blocker / "snap", "--topic", "mlops")
        assert result.exit_code == 1 and "cannot create the snapshot folder" in result.output
        monkeypatch.setenv("GITHUB_API_URL", "ftp://example.invalid")
        result = collect(tmp_path / "snap", "--topic", "mlops")
        assert result.exit_code == 1 and "GITHUB_API_URL must be an http(s) URL" in result.output
        assert not fake.log


def test_nothing_escapes_the_snapshot_folder(env, tmp_path):
    out = tmp_path / "deep" / "snap"
    with env(FakeGitHub(make_repos(40))):
        result = collect(out, "--query", "topic:mlops ../../../escape /etc/passwd")
        assert result.exit_code == 0, result.output
    assert {p.parent for p in tmp_path.rglob("*") if p.is_file()} == {out}


@pytest.mark.parametrize("kill_after", [8, 45], ids=["in search", "in enrichment"])
def test_killed_mid_run_then_resumed(tmp_path, kill_after):
    """SIGKILL the collector in a subprocess mid-run; the second run completes the snapshot,
    with the same repositories as an uninterrupted run, while results move between pages."""
    repos = make_repos(1400)
    out = tmp_path / "snap"
    uninterrupted = tmp_path / "whole"
    with FakeGitHub(make_repos(1400), token=TOKEN, churn=0.3, seed=1) as fake:
        env = {**os.environ, "GITHUB_API_URL": fake.url, "GITHUB_TOKEN": TOKEN, live.TIME_SCALE_ENV: SCALE}
        whole = subprocess.run(
            [
                sys.executable,
                "-m",
                "analysis",
                "collect",
                "--topic",
                "mlops",
                "--no-enrich",
                "--out",
                str(uninterrupted),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert whole.returncode == 0, whole.stderr[-2000:]
    build(uninterrupted, tmp_path / "whole-out")
    with FakeGitHub(repos, token=TOKEN, delay=0.01, churn=0.3, seed=2) as fake:
        env = {
            **os.environ,
            "GITHUB_API_URL": fake.url,
            "GITHUB_TOKEN": TOKEN,
            live.TIME_SCALE_ENV: SCALE,
            live.TIMEOUT_ENV: "2",
        }
        cmd = [sys.executable, "-m", "analysis", "collect", "--topic", "mlops", "--out", str(out)]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while len(fake.log) < kill_after and time.time() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        journal = out / JOURNAL
        recorded = len(json.loads((out / "manifest.json").read_text())["requests"]) + (
            len(journal.read_text().splitlines()) if journal.exists() else 0
        )
        assert 0 < recorded < len(fake.log) + 5, "killed part-way, with some responses recorded"
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    every_file_parses(out, killed=True)
    final = sum(len(json.loads((out / m).read_text())["requests"]) for m in ("manifest.json", "enrichment.json"))
    assert recorded < final
    build(out, tmp_path / "out")
    study = load(tmp_path / "out")
    assert set(study.repos["id"].to_list()) == set(load(tmp_path / "whole-out").repos["id"].to_list())
    assert set(study.repos["id"].to_list()) == {r["id"] for r in repos}
    e, _ = enriched(tmp_path / "out")
    assert e.height == 1400
    assert e["pull_requests_seen"].sum() == sum(r["_pulls"] for r in repos)
