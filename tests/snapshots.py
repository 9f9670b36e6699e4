"""Small, hand-written snapshots in the recorded snapshot's shape, for unit tests."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any


def repo_item(rid: int, **overrides: Any) -> dict[str, Any]:
    """A search result with the fields GitHub returns (a realistic subset)."""
    item: dict[str, Any] = {
        "id": rid,
        "node_id": f"R_{rid}",
        "name": f"repo{rid}",
        "full_name": f"owner{rid}/repo{rid}",
        "private": False,
        "owner": {"login": f"owner{rid}", "id": rid * 10, "type": "User"},
        "html_url": f"https://github.com/owner{rid}/repo{rid}",
        "description": f"Repository number {rid}",
        "fork": False,
        "created_at": "2021-03-04T05:06:07Z",
        "updated_at": "2022-12-01T00:00:00Z",
        "pushed_at": "2022-11-30T23:59:59Z",
        "homepage": "",
        "size": 100 + rid,
        "stargazers_count": rid,
        "watchers_count": rid,
        "language": "Python",
        "has_issues": True,
        "has_projects": True,
        "has_downloads": True,
        "has_wiki": False,
        "has_pages": False,
        "has_discussions": False,
        "forks_count": 2,
        "archived": False,
        "disabled": False,
        "open_issues_count": 3,
        "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT"},
        "is_template": False,
        "topics": ["mlops", "python"],
        "visibility": "public",
        "score": 1.0,
    }
    item.update(overrides)
    return item


def write_snapshot(
    folder: Path,
    pages: list[tuple[str, list[dict[str, Any]], int]],
    collected_on: str | None = "2023-01-19",
) -> Path:
    """Write `pages` as (query, items, total_count) search responses plus a manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    requests = []
    page_of: dict[str, int] = {}
    for query, items, total in pages:
        page_of[query] = page_of.get(query, 0) + 1
        name = f"{query.replace(':', '_').replace(' ', '_')}_pg_{page_of[query]}.json"
        body = {"total_count": total, "incomplete_results": False, "items": items}
        (folder / name).write_text(json.dumps(body))
        requests.append(
            {
                "file": name,
                "method": "GET",
                "path": "/search/repositories",
                "params": {"q": query, "per_page": 100, "page": page_of[query]},
            }
        )
    manifest: dict[str, Any] = {"requests": requests}
    if collected_on:
        manifest["collected_on"] = collected_on
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


WORDS = "serving pipeline model monitoring kubernetes course tutorial feature store data drift deploy library".split()


def synthetic_snapshot(
    folder: Path, n: int, languages: tuple[str, ...] = ("Python", "Jupyter Notebook", "Go"), seed: int = 1
) -> Path:
    """A recorded-shape snapshot of `n` repositories with random dates, languages, stars and descriptions."""
    rng = random.Random(seed)
    items = []
    for i in range(1, n + 1):
        year = rng.randint(2016, 2022)
        items.append(
            repo_item(
                i,
                created_at=f"{year}-{rng.randint(1, 12):02d}-10T00:00:00Z",
                pushed_at=f"{rng.randint(year, 2022)}-{rng.randint(1, 12):02d}-01T00:00:00Z",
                language=rng.choice(languages),
                stargazers_count=rng.randint(0, 500),
                description=" ".join(rng.sample(WORDS, 5)),
                owner={"login": f"owner{i}", "id": i, "type": rng.choice(["User", "Organization"])},
            )
        )
    pages = [("topic:mlops", items[k : k + 100], n) for k in range(0, max(n, 1), 100)]
    return write_snapshot(folder, pages)


#: Topics of the planted cohort: ML and data-engineering ones, so that every analysis has something to split.
TOPICS = ("machine-learning", "deep-learning", "airflow", "etl", "python", "spark")


def planted_cohort(
    n: int, followed_on: dt.date, as_of: str = "2023-01-19", seed: int = 3, topics: tuple[str, ...] = TOPICS
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A snapshot's search items, and the same repositories as the fake GitHub serves them on `followed_on`.

    Each repository is pushed to for an exponential time from its creation (rate 0.6 a year for users,
    0.2 for organisations: the truth a calibration should find), and the follow-up sees those lives
    continued. Every 30th is since archived, every 40th renamed, every 70th transferred, every 25th no
    longer tagged `mlops`, every 3rd has a release; stars grow with activity. (Deleting some is the
    fake's `deleted`.) Only every 8th has a description: fewer than topic models need, which the cohort's
    tests (following it up) do not look at, and which would cost each of their reports its LDA grid.
    Each carries `mlops` and two of `topics` (all of them, if fewer).
    """
    rng = random.Random(seed)
    snapshot_day = dt.datetime.fromisoformat(as_of).replace(tzinfo=dt.UTC)
    follow_day = dt.datetime.combine(followed_on, dt.time(), dt.UTC)
    first = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    items, now = [], []
    for i in range(1, n + 1):
        owner_type = "User" if i % 2 else "Organization"
        created = first + (snapshot_day - first - dt.timedelta(days=30)) * rng.random()
        last_push = created + dt.timedelta(days=rng.expovariate(0.6 if owner_type == "User" else 0.2) * 365.25)
        stars = int(rng.paretovariate(1.1) * 3)
        words = " ".join(rng.sample(WORDS, 5))
        item = repo_item(
            i,
            created_at=created.strftime(stamp),
            updated_at=min(last_push, snapshot_day - dt.timedelta(hours=1)).strftime(stamp),
            pushed_at=min(last_push, snapshot_day - dt.timedelta(hours=1)).strftime(stamp),
            stargazers_count=stars,
            description=words if i % 8 == 0 else None,
            owner={"login": f"owner{i}", "id": i, "type": owner_type},
            language=rng.choice(("Python", "Jupyter Notebook", "Go")),
            topics=["mlops", *rng.sample(topics, min(2, len(topics)))],
        )
        items.append(item)
        later = {
            **item,
            "pushed_at": min(last_push, follow_day - dt.timedelta(days=1)).strftime(stamp),
            "stargazers_count": stars * (3 if last_push > snapshot_day else 1),
            "archived": i % 30 == 0,
            "topics": ["python"] if i % 25 == 0 else item["topics"],
            "_release": ("v1.0", "2024-02-02T00:00:00Z") if i % 3 == 0 else None,
        }
        if i % 40 == 0:
            later["full_name"] = f"owner{i}/renamed{i}"
        if i % 70 == 0:
            later["full_name"] = f"new-owner/repo{i}"
        now.append(later)
    return items, now
