"""Bad snapshots: one clear error naming the file and problem, non-zero exit, OUT untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from snapshots import repo_item, write_snapshot

from analysis.cli import main


def good_snapshot(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "snap", [("topic:mlops", [repo_item(1), repo_item(2)], 2)])


def first_page(snap: Path) -> Path:
    return snap / json.loads((snap / "manifest.json").read_text())["requests"][0]["file"]


def set_manifest(snap: Path, change) -> None:
    manifest = json.loads((snap / "manifest.json").read_text())
    change(manifest)
    (snap / "manifest.json").write_text(json.dumps(manifest))


def set_item(snap: Path, **fields) -> None:
    """Change fields of the second item on the first page."""
    page = json.loads(first_page(snap).read_text())
    page["items"][1].update(fields)
    first_page(snap).write_text(json.dumps(page))


CASES = {
    "missing folder": (lambda s: s.rename(s.with_name("gone")), "snapshot folder not found"),
    "missing manifest": (lambda s: (s / "manifest.json").unlink(), "manifest is missing"),
    "malformed manifest": (lambda s: (s / "manifest.json").write_text('{"requests": ['), "not valid JSON"),
    "manifest not an object": (lambda s: (s / "manifest.json").write_text("[]"), "must be a JSON object"),
    "requests not a list": (lambda s: set_manifest(s, lambda m: m.update(requests={})), "'requests'"),
    "entry without file": (lambda s: set_manifest(s, lambda m: m["requests"][0].pop("file")), "no field 'file'"),
    "file outside snapshot": (
        lambda s: set_manifest(s, lambda m: m["requests"][0].update(file="../secret.json")),
        "points outside the snapshot",
    ),
    "response file missing": (lambda s: first_page(s).unlink(), "is missing"),
    "response truncated": (lambda s: first_page(s).write_text(first_page(s).read_text()[:50]), "not valid JSON"),
    "response without items": (
        lambda s: first_page(s).write_text(json.dumps({"total_count": 1})),
        "missing required field `items`",
    ),
    "item without id": (
        lambda s: first_page(s).write_text(json.dumps({"total_count": 1, "items": [{"name": "x"}]})),
        "missing required field `id` - at `items[0]`",
    ),
    # Wrong types are refused, never coerced, and the error names the item and the field.
    "created_at with an offset": (
        lambda s: set_item(s, created_at="2021-03-04T05:06:07+02:00"),
        "at `items[1].created_at`",
    ),
    "created_at with a space": (lambda s: set_item(s, created_at="2021-03-04 05:06:07Z"), "at `items[1].created_at`"),
    "id true": (lambda s: set_item(s, id=True), "Expected `int`, got `bool` - at `items[1].id`"),
    "stars as text": (lambda s: set_item(s, stargazers_count="12"), "got `str` - at `items[1].stargazers_count`"),
    "stars a fraction": (lambda s: set_item(s, stargazers_count=12.5), "got `float` - at `items[1].stargazers_count`"),
    "stars past int64": (lambda s: set_item(s, stargazers_count=2**63), "at `items[1].stargazers_count`"),
    "topics a string": (lambda s: set_item(s, topics="mlops"), "got `str` - at `items[1].topics`"),
    "lone surrogate": (lambda s: set_item(s, description="\ud800"), "not valid JSON"),
    "created in the future": (lambda s: set_item(s, created_at="2099-01-01T00:00:00Z"), "after the snapshot was taken"),
    "collected_on not a date": (
        lambda s: set_manifest(s, lambda m: m.update(collected_on="not a date")),
        "field 'collected_on' is 'not a date', not a date",
    ),
    "no search request": (
        lambda s: set_manifest(s, lambda m: m["requests"][0].update(path="/graphql")),
        "lists no /search/repositories request",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_snapshot_fails_clearly_and_writes_nothing(tmp_path, case):
    snap = good_snapshot(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "repos.parquet").write_bytes(b"previous build")
    breaks, expected = CASES[case]
    breaks(snap)
    result = CliRunner().invoke(main, ["build", "--snapshot", str(snap), "--out", str(out)])
    assert result.exit_code != 0
    assert expected in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["repos.parquet"]
    assert (out / "repos.parquet").read_bytes() == b"previous build"


def test_error_names_the_file(tmp_path):
    snap = good_snapshot(tmp_path)
    first_page(snap).write_text("{")
    result = CliRunner().invoke(main, ["build", "--snapshot", str(snap), "--out", str(tmp_path / "o")])
    assert first_page(snap).name in result.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_good_snapshot_builds(tmp_path):
    snap = good_snapshot(tmp_path)
    result = CliRunner().invoke(main, ["build", "--snapshot", str(snap), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "2 repositories" in result.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["quality.json", "repos.parquet"]
