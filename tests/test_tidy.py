"""The tidy rules on small snapshots whose right answers are known by construction."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from snapshots import repo_item, write_snapshot

from analysis.build import build, load
from analysis.tidy import queried_topics


def built(tmp_path, pages, **kw):
    snap = write_snapshot(tmp_path / "snap", pages, **kw)
    quality = build(snap, tmp_path / "out")
    return load(tmp_path / "out").repos, quality


def test_duplicate_keeps_latest_updated_and_unions_queries(tmp_path):
    old = repo_item(1, updated_at="2023-01-01T00:00:00Z", stargazers_count=10)
    new = repo_item(1, updated_at="2023-01-02T00:00:00Z", stargazers_count=11)
    repos, quality = built(
        tmp_path,
        [("topic:mlops", [new, repo_item(2)], 5), ("topic:mlops", [old], 5), ("topic:model-management", [old], 1)],
    )
    assert repos.height == 2
    row = repos.filter(pl.col("id") == 1).row(0, named=True)
    assert row["stargazers_count"] == 11  # the later updated_at wins, wherever it stood
    assert row["matched_queries"] == ["topic:mlops", "topic:model-management"]
    mlops = quality["queries"][0]
    assert (mlops["items"], mlops["unique"], mlops["duplicates"], mlops["missing"]) == (3, 2, 1, 3)


def test_duplicate_tie_goes_to_the_last_fetched(tmp_path):
    first = repo_item(1, stargazers_count=1)
    second = repo_item(1, stargazers_count=2)
    repos, _ = built(tmp_path, [("topic:mlops", [first], 1), ("topic:mlops", [second], 1)])
    assert repos["stargazers_count"].to_list() == [2]


def test_missing_and_null_fields_become_nulls(tmp_path):
    bare = repo_item(1, license=None, topics=[], description="", homepage=None, language=None)
    for field in ("has_discussions", "is_template", "topics"):
        bare.pop(field)
    repos, quality = built(tmp_path, [("topic:mlops", [bare], 1)])
    row = repos.row(0, named=True)
    assert row["license_key"] is None
    assert row["topics"] == []
    assert row["description"] is None and row["homepage"] is None and row["language"] is None
    assert row["has_discussions"] is None and row["is_template"] is None
    assert quality["queries"][0]["topic_no_longer_listed"] == 1  # empty topics lack "mlops"


def test_schema_and_utc_datetimes(tmp_path):
    repos, _ = built(tmp_path, [("topic:mlops", [repo_item(7)], 1)])
    assert repos.schema["created_at"] == pl.Datetime("us", "UTC")
    assert repos.schema["topics"] == pl.List(pl.String)
    row = repos.row(0, named=True)
    assert row["created_at"] == dt.datetime(2021, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    assert (row["owner_login"], row["owner_type"], row["license_key"]) == ("owner7", "User", "mit")


def test_stale_topic_counted_per_query(tmp_path):
    items = [repo_item(1, topics=["mlops"]), repo_item(2, topics=["ml"]), repo_item(3, topics=[])]
    _, quality = built(tmp_path, [("topic:mlops", items, 3)])
    assert quality["queries"][0]["topic_no_longer_listed"] == 2


def test_queried_topics_ignores_exclusions():
    assert queried_topics("topic:model-management -topic:mlops") == ["model-management"]
    assert queried_topics("topic:mlops stars:>10") == ["mlops"]
    assert queried_topics("mlops in:description") == []


def test_as_of_falls_back_to_last_fetched_at(tmp_path):
    snap = write_snapshot(tmp_path / "snap", [("topic:mlops", [repo_item(1)], 1)], collected_on=None)
    manifest = json.loads((snap / "manifest.json").read_text())
    manifest["requests"][0]["fetched_at"] = "2024-05-06T07:08:09Z"
    (snap / "manifest.json").write_text(json.dumps(manifest))
    assert build(snap, tmp_path / "out")["as_of"] == "2024-05-06"


def test_every_column_comes_from_its_github_field(tmp_path):
    """Each tidy column holds the value of the GitHub field it is named for."""
    item = repo_item(
        42,
        full_name="acme/widget",
        name="widget",
        description="d",
        created_at="2020-01-01T00:00:01Z",
        updated_at="2021-01-01T00:00:02Z",
        pushed_at="2022-01-01T00:00:03Z",
        stargazers_count=11,
        forks_count=12,
        open_issues_count=13,
        size=14,
        language="Go",
        topics=["a", "b"],
        fork=True,
        archived=True,
        is_template=True,
        has_issues=False,
        has_wiki=True,
        has_pages=True,
        has_discussions=True,
        homepage="https://h",
        owner={"login": "acme", "type": "Organization"},
        license={"key": "apache-2.0"},
    )
    repos, _ = built(tmp_path, [("topic:mlops", [item], 1)])
    row = repos.row(0, named=True)
    for column in (
        "full_name",
        "name",
        "description",
        "stargazers_count",
        "forks_count",
        "open_issues_count",
        "size",
        "language",
        "topics",
        "fork",
        "archived",
        "is_template",
        "has_issues",
        "has_wiki",
        "has_pages",
        "has_discussions",
        "homepage",
    ):
        assert row[column] == item[column], column
    for column in ("created_at", "updated_at", "pushed_at"):
        assert row[column].strftime("%Y-%m-%dT%H:%M:%SZ") == item[column], column
    assert (row["owner_login"], row["owner_type"], row["license_key"]) == ("acme", "Organization", "apache-2.0")
    assert list(repos.columns) == [
        "id",
        "node_id",
        "full_name",
        "owner_login",
        "owner_type",
        "name",
        "description",
        "created_at",
        "updated_at",
        "pushed_at",
        "stargazers_count",
        "forks_count",
        "open_issues_count",
        "size",
        "language",
        "license_key",
        "topics",
        "fork",
        "archived",
        "is_template",
        "has_issues",
        "has_wiki",
        "has_pages",
        "has_discussions",
        "homepage",
        "matched_queries",
    ]
