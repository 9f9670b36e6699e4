"""`make report COMPARE=OLD`: entered, left, growth measured directly, and headline numbers, on planted snapshots."""

from __future__ import annotations

from snapshots import repo_item, write_snapshot

from analysis import compare
from analysis.build import build, load


def study(tmp_path, name, items, collected_on):
    folder = write_snapshot(tmp_path / name, [("topic:mlops", items, len(items))], collected_on=collected_on)
    build(folder, tmp_path / f"{name}-out")
    return load(tmp_path / f"{name}-out")


def test_entered_left_and_growth(tmp_path, monkeypatch):
    monkeypatch.delenv("FOLLOWUP", raising=False)
    early = {
        "created_at": "2020-01-01T00:00:00Z",
        "pushed_at": "2021-06-01T00:00:00Z",
        "updated_at": "2021-06-01T00:00:00Z",
    }
    old_items = [repo_item(i, **early) for i in range(1, 101)]
    new_items = [repo_item(i, created_at="2020-01-01T00:00:00Z") for i in range(21, 101)]
    new_items += [repo_item(i, created_at="2022-06-01T00:00:00Z") for i in range(101, 131)]  # created since
    new_items += [repo_item(i, created_at="2021-06-01T00:00:00Z") for i in range(131, 151)]  # tagged since
    old = study(tmp_path, "old", old_items, "2022-01-19")
    new = study(tmp_path, "new", new_items, "2023-01-19")
    text = compare.facts(new, old)
    paper = text["compare_paper"]
    assert "holds 50 repositories the older one did not, and lacks 20 that it held" in paper
    assert "80 are in both" in paper
    assert "30 of the newcomers were created between the two dates, 30 a year over 1.0 years" in paper
    assert "the other 20 were tagged since" in paper
    assert "repositories 100 then, 130 now" in paper
    assert "snapshot of 2022-01-19 (100 repositories, 0 reported matches never seen)" in paper
    assert text["compare_since"] == "2022-01-19"
    assert text["compare_headline"] == "Since 2022-01-19, 50 repositories entered the search and 20 left it"


def test_nothing_without_an_older_snapshot(tmp_path, monkeypatch):
    monkeypatch.delenv("FOLLOWUP", raising=False)
    new = study(tmp_path, "new", [repo_item(i) for i in range(1, 5)], "2023-01-19")
    assert compare.facts(new, None) == {"compare_paper": "", "compare_since": "", "compare_headline": ""}
