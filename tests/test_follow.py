"""`analysis follow` against the fake GitHub: every fate, faults, resumability, the lock, the tidy table."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result
from fake_github import FakeGitHub, Fault, make_repos
from test_collect import SCALE, TOKEN

from analysis import followup
from analysis.build import build, load
from analysis.cli import main
from analysis.collection import live
from analysis.collection.enrich import FOLLOW_QUERY
from analysis.collection.lock import FolderLock
from analysis.snapshot import FOLLOWUP_MANIFEST

TODAY = dt.datetime.now(dt.UTC).date()
RECENT = (TODAY - dt.timedelta(days=30)).isoformat() + "T00:00:00Z"


@pytest.fixture
def fake_env(monkeypatch):
    monkeypatch.setenv(live.TIME_SCALE_ENV, SCALE)
    monkeypatch.setenv(live.TIMEOUT_ENV, "0.5")
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.delenv("FOLLOWUP", raising=False)

    def start(fake: FakeGitHub) -> FakeGitHub:
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        return fake

    return start


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def fates(repos: list[dict]) -> dict[str, set[int]]:
    """Plant one fate per kind on the repositories (which all start active in the fake's 2023)."""
    for r in repos:
        r["pushed_at"] = RECENT  # maintained since, unless a fate below says otherwise
    planted = {
        "gone": {repos[1]["id"], repos[2]["id"]},
        "private": {repos[3]["id"]},
        "archived": {repos[4]["id"]},
        "inactive": {repos[5]["id"], repos[6]["id"]},
        "renamed": {repos[7]["id"]},
        "transferred": {repos[8]["id"]},
        "topic removed": {repos[9]["id"]},
    }
    repos[3]["private"] = True
    repos[4]["archived"] = True
    for r in repos[5:7]:
        r["pushed_at"] = "2023-02-01T00:00:00Z"
    owner = repos[7]["full_name"].split("/")[0]
    repos[7]["full_name"] = f"{owner}/a-new-name"
    repos[8]["full_name"] = "someone-else/" + repos[8]["name"]
    repos[9]["topics"] = ["machine-learning"]
    repos[10]["_release"] = ("v2.0", "2025-05-05T00:00:00Z")
    repos[10]["stargazers_count"] = 12_345
    return planted


def test_every_fate_recorded_and_tidied(fake_env, tmp_path, monkeypatch):
    repos = make_repos(250)
    with fake_env(FakeGitHub(repos)) as fake:
        assert run("collect", "--topic", "mlops", "--no-enrich", "--out", str(tmp_path / "snap")).exit_code == 0
        planted = fates(repos)
        fake.deleted |= {r["node_id"] for r in repos if r["id"] in planted["gone"]}
        searches = len(fake.log)
        result = run("follow", "--snapshot", str(tmp_path / "snap"), "--out", str(tmp_path / "fu"))
        assert result.exit_code == 0, result.output
        assert fake.count("/graphql") == 3, "250 repositories in ceil(250/100) queries"
        assert len(fake.log) - searches == 3
    manifest = json.loads((tmp_path / "fu" / FOLLOWUP_MANIFEST).read_text())
    assert manifest["followed_on"] == TODAY.isoformat() and manifest["snapshot"] == "snap"
    assert manifest["failed"] == {}
    assert TOKEN not in result.output and not any(TOKEN in p.read_text() for p in (tmp_path / "fu").iterdir())

    monkeypatch.setenv("FOLLOWUP", str(tmp_path / "fu"))
    quality = build(tmp_path / "snap", tmp_path / "out")
    assert quality["followup"]["followed_on"] == TODAY.isoformat()
    t = load(tmp_path / "out").followup
    assert t is not None
    assert t.height == 250 and t["id"].n_unique() == 250
    by = {s: set(t.filter(pl.col("status") == s)["id"].to_list()) for s in followup.STATUSES}
    assert by["gone"] == planted["gone"]
    assert by["private"] == planted["private"]
    assert by["archived"] == planted["archived"]
    assert by["inactive"] == planted["inactive"]
    assert len(by["active"]) == 250 - 6 and not by["failed"]
    assert set(t.filter(pl.col("renamed"))["id"].to_list()) == planted["renamed"]
    assert set(t.filter(pl.col("transferred"))["id"].to_list()) == planted["transferred"]
    assert set(t.filter(~pl.col("study_topics_kept"))["id"].to_list()) == planted["topic removed"]
    row = t.filter(pl.col("id") == repos[10]["id"]).row(0, named=True)
    assert (row["stars"], row["latest_release_tag"]) == (12_345, "v2.0")
    assert row["latest_release_at"] == dt.datetime(2025, 5, 5, tzinfo=dt.UTC)
    moved = t.filter(pl.col("id") == repos[8]["id"]).row(0, named=True)
    assert moved["name_now"] == "someone-else/" + repos[8]["name"] and moved["name_then"] != moved["name_now"]


def test_faults_degrade_and_resume(fake_env, tmp_path):
    repos = make_repos(230)
    refused = {repos[0]["node_id"]}
    with fake_env(FakeGitHub(repos)) as fake:
        assert run("collect", "--topic", "mlops", "--no-enrich", "--out", str(tmp_path / "snap")).exit_code == 0
        fake.max_batch = 60  # batches of 100 time out: split into halves, then 50s, answered
        fake.forbidden = refused
        fake.faults = [Fault("/graphql", "502", times=1), Fault("/graphql", "secondary", times=1)]
        result = run("follow", "--snapshot", str(tmp_path / "snap"), "--out", str(tmp_path / "fu"))
        assert result.exit_code == 0, result.output
        assert "1 failed" in result.output
        first = fake.count("/graphql")
        recorded = (tmp_path / "fu" / FOLLOWUP_MANIFEST).read_text()
        again = run("follow", "--snapshot", str(tmp_path / "snap"), "--out", str(tmp_path / "fu"))
        assert again.exit_code == 0
        # Stored answers are reused: only the batches that timed out are asked again, and nothing new is stored.
        assert 0 < fake.count("/graphql") - first < first - 2
        assert (
            json.loads((tmp_path / "fu" / FOLLOWUP_MANIFEST).read_text())["requests"]
            == json.loads(recorded)["requests"]
        )
    manifest = json.loads((tmp_path / "fu" / FOLLOWUP_MANIFEST).read_text())
    assert set(manifest["failed"]) == refused
    answered = set()
    for e in manifest["requests"]:
        answered |= set(e["params"]["variables"]["ids"])
        assert len(e["params"]["variables"]["ids"]) <= 60
    assert answered == {r["node_id"] for r in repos}


def test_killed_follow_up_resumes_without_asking_twice(fake_env, tmp_path, monkeypatch):
    repos = make_repos(400)
    with fake_env(FakeGitHub(repos)) as fake:
        assert run("collect", "--topic", "mlops", "--no-enrich", "--out", str(tmp_path / "snap")).exit_code == 0
        original = live.Enricher.each_batch

        def two_then_fail(self, operation, node_ids, size, phase):  # a kill after two queries
            original(self, operation, node_ids[:200], size, phase)
            raise KeyboardInterrupt

        monkeypatch.setattr(live.Enricher, "each_batch", two_then_fail)
        result = run("follow", "--snapshot", str(tmp_path / "snap"), "--out", str(tmp_path / "fu"))
        assert "interrupted" in result.output
        assert not json.loads((tmp_path / "fu" / FOLLOWUP_MANIFEST).read_text()).get("followed_on")
        monkeypatch.setattr(live.Enricher, "each_batch", original)
        before = fake.count("/graphql")
        assert run("follow", "--snapshot", str(tmp_path / "snap"), "--out", str(tmp_path / "fu")).exit_code == 0
        assert fake.count("/graphql") - before == 2, "only the two queries not yet answered"
    manifest = json.loads((tmp_path / "fu" / FOLLOWUP_MANIFEST).read_text())
    assert manifest["followed_on"] and len(manifest["requests"]) == 4


def test_refusals_before_any_request(fake_env, tmp_path, monkeypatch):
    repos = make_repos(30)
    with fake_env(FakeGitHub(repos)) as fake:
        assert run("collect", "--topic", "mlops", "--no-enrich", "--out", str(tmp_path / "snap")).exit_code == 0
        asked = len(fake.log)
        inside = run("follow", "--snapshot", str(tmp_path / "snap"), "--out", str(tmp_path / "snap" / "fu"))
        assert inside.exit_code != 0 and "never written into" in inside.output
        (tmp_path / "fu").mkdir()
        with FolderLock(tmp_path / "fu"):
            locked = run("follow", "--snapshot", str(tmp_path / "snap"), "--out", str(tmp_path / "fu"))
        assert locked.exit_code != 0 and "another run is writing" in locked.output
        monkeypatch.delenv("GITHUB_TOKEN")
        tokenless = run("follow", "--snapshot", str(tmp_path / "snap"), "--out", str(tmp_path / "fu2"))
        assert tokenless.exit_code != 0 and "needs a token" in tokenless.output
        assert len(fake.log) == asked
        assert not (tmp_path / "fu2").exists()


def test_follow_up_of_another_snapshot_refused(fake_env, tmp_path, monkeypatch):
    with fake_env(FakeGitHub(make_repos(30))):
        for name in ("a", "b"):
            assert run("collect", "--topic", "mlops", "--no-enrich", "--out", str(tmp_path / name)).exit_code == 0
        (tmp_path / "b" / "manifest.json").write_text(
            (tmp_path / "b" / "manifest.json").read_text().replace("mlops", "mlops ")
        )
        assert run("follow", "--snapshot", str(tmp_path / "a"), "--out", str(tmp_path / "fu")).exit_code == 0
        other = run("follow", "--snapshot", str(tmp_path / "b"), "--out", str(tmp_path / "fu"))
        assert other.exit_code != 0 and "follow-up of snapshot 'a'" in other.output
    monkeypatch.setenv("FOLLOWUP", str(tmp_path / "fu"))
    with pytest.raises(Exception, match="follows up another snapshot"):
        build(tmp_path / "b", tmp_path / "out")


def test_follow_query_within_github_limits():
    """The fields GitHub's schema has on Repository, and `nodes(ids:)` at its limit of 100."""
    for field in (
        "nameWithOwner",
        "owner { login }",
        "isArchived",
        "isPrivate",
        "pushedAt",
        "stargazerCount",
        "forkCount",
        "issues(states: OPEN) { totalCount }",
        "repositoryTopics(first: 20) { nodes { topic { name } } }",
        "latestRelease { tagName publishedAt }",
        "databaseId",
        "rateLimit { cost remaining resetAt }",
    ):
        assert field in FOLLOW_QUERY
    from analysis.collection.enrich import FOLLOW_BATCH

    assert FOLLOW_BATCH == 100
    assert FOLLOW_QUERY.count("{") == FOLLOW_QUERY.count("}")


def test_interrupted_follow_up_refused(tmp_path: Path) -> None:
    """An interrupted follow-up is refused with a message saying how to finish it."""
    (tmp_path / FOLLOWUP_MANIFEST).write_text(json.dumps({"requests": [], "snapshot_sha256": "x"}))
    with pytest.raises(Exception, match="interrupted.*analysis follow"):
        followup.read(tmp_path, "x")


def test_a_damaged_answer_is_named(tmp_path: Path) -> None:
    """A stored answer that does not hold one node per id asked stops the build with the file's name."""
    (tmp_path / "graphql_x.json").write_text(json.dumps({"data": None}))
    entry = {"file": "graphql_x.json", "path": "/graphql", "params": {"variables": {"ids": ["R_1"]}}}
    manifest = {"requests": [entry], "snapshot_sha256": "x", "followed_on": "2026-11-28"}
    (tmp_path / FOLLOWUP_MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(Exception, match=r"graphql_x.json: requests\[0\] does not answer one node per id asked"):
        followup.read(tmp_path, "x")
