"""Benchmark live collection's request count against the fake GitHub server.

20,000 matching repositories spread over several years. Reports requests used against
the floor (the search pages the final slices need, plus the enrichment batches), for a
first run and for a second run with nothing changed, and compares with the naive way:
one REST call per repository per metric. Targets: first run <= 1.1x the floor; second
run: no search request costs rate limit (all 304); >= 25 repositories per request for
the per-repository counts.

    python benchmarks/collect_requests.py [--repos 20000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fake_github import FakeGitHub, make_repos  # noqa: E402

from analysis import live  # noqa: E402
from analysis.enrich import ACTIVITY_BATCH, COUNTS_BATCH  # noqa: E402

#: Metrics the enrichment delivers; the naive way asks one REST call per repository for each.
NAIVE_METRICS = (
    "stars",
    "forks",
    "watchers",
    "open issues",
    "closed issues",
    "open PRs",
    "merged PRs",
    "closed PRs",
    "releases",
    "latest release",
    "commits",
    "contributors",
    "issue authors",
    "PRs per month",
)


def enrichment_floor(repos: list[dict]) -> tuple[int, int]:
    """(counts batches, activity batches): first pages, then one round per further page."""
    pages = [max(math.ceil(r["_issues"] / 100), math.ceil(r["_pulls"] / 100), 1) for r in repos]
    activity = sum(math.ceil(sum(1 for p in pages if p > k) / ACTIVITY_BATCH) for k in range(max(pages)))
    return math.ceil(len(repos) / COUNTS_BATCH), activity


def run(fake: FakeGitHub, out: Path) -> Counter:
    start = len(fake.log)
    live.collect(out, ["topic:mlops"], enrich=True)
    return Counter(("search" if "/search" in path else "graphql", status) for _, path, status in fake.log[start:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=20_000)
    args = parser.parse_args()
    repos = make_repos(args.repos, seed=1, start=2015, end=2023)
    os.environ.update({"GITHUB_TOKEN": "benchmark-token", live.TIME_SCALE_ENV: "0"})
    with tempfile.TemporaryDirectory() as tmp, FakeGitHub(repos) as fake:
        os.environ["GITHUB_API_URL"] = fake.url
        out = Path(tmp) / "snap"
        t0 = time.perf_counter()
        first = run(fake, out)
        t1 = time.perf_counter()
        second = run(fake, out)
        t2 = time.perf_counter()
        manifest = json.loads((out / "manifest.json").read_text())
    slices = manifest["slices"]["topic:mlops"]
    search_floor = sum(max(1, math.ceil(s["total_count"] / 100)) for s in slices)
    counts_floor, activity_floor = enrichment_floor(repos)
    floor = search_floor + counts_floor + activity_floor
    search_used = sum(n for (kind, _), n in first.items() if kind == "search")
    graphql_used = sum(n for (kind, _), n in first.items() if kind == "graphql")
    used = search_used + graphql_used
    naive = len(repos) * len(NAIVE_METRICS)
    print(
        f"{len(repos):,} repositories created {min(r['created_at'] for r in repos)[:4]}"
        f"-{max(r['created_at'] for r in repos)[:4]}; {len(slices)} date slices"
    )
    print(f"first run ({t1 - t0:.0f} s): {used:,} requests = {search_used:,} search + {graphql_used:,} GraphQL")
    print(
        f"  floor: {floor:,} = {search_floor:,} search pages for the slices + {counts_floor:,} counts"
        f" batches + {activity_floor:,} activity batches"
    )
    print(f"  ratio to floor: {used / floor:.3f}  (target <= 1.1)")
    print(f"  per-repository counts: {len(repos) / counts_floor:.0f} repositories per request (target >= 25)")
    searched_2 = sum(n for (kind, _), n in second.items() if kind == "search")
    free_2 = second[("search", 304)]
    print(
        f"second run ({t2 - t1:.0f} s): {searched_2:,} search requests, {free_2:,} answered 304 (free);"
        f" {sum(n for (k, _), n in second.items() if k == 'graphql')} GraphQL requests (stored answers reused)"
    )
    print(
        f"naive REST, one call per repository per metric ({len(NAIVE_METRICS)} metrics): {naive:,} requests"
        f" = {naive / used:.0f}x the first run"
    )


if __name__ == "__main__":
    main()
