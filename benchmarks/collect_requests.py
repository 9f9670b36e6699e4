"""Benchmark live collection's request count against the fake GitHub server.

20,000 matching repositories spread over several years, served in an unstable order:
best match shifts between requests, and repositories get updated while the search is
paged (`--churn`, the chance per search request). Reports search requests against the
floor ceil(N/100), and all requests against the floor (search pages for N plus the
enrichment batches), for a first run and for two more runs with nothing changed since, and
compares with the naive way: one REST call per repository per metric. Targets: every
repository collected; search <= 1.3x its floor; third run: no search request costs rate
limit (all 304); >= 25 repositories per request for the per-repository counts.

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

from analysis.collection import live  # noqa: E402
from analysis.collection.enrich import ACTIVITY_BATCH, COUNTS_BATCH  # noqa: E402

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
    parser.add_argument("--churn", type=float, default=0.1)
    args = parser.parse_args()
    repos = make_repos(args.repos, seed=1, start=2015, end=2023)
    os.environ.update({"GITHUB_TOKEN": "benchmark-token", live.TIME_SCALE_ENV: "0"})
    with tempfile.TemporaryDirectory() as tmp, FakeGitHub(repos, shift=True, churn=args.churn) as fake:
        os.environ["GITHUB_API_URL"] = fake.url
        out = Path(tmp) / "snap"
        t0 = time.perf_counter()
        first = run(fake, out)
        t1 = time.perf_counter()
        fake.churn = 0.0  # the second run: nothing changed since the first
        second = run(fake, out)
        t2 = time.perf_counter()
        third = run(fake, out)
        manifest = json.loads((out / "manifest.json").read_text())
        collected = {i["id"] for e in manifest["requests"] for i in json.loads((out / e["file"]).read_text())["items"]}
    slices = manifest["slices"]["topic:mlops"]
    search_floor = math.ceil(len(repos) / 100)
    counts_floor, activity_floor = enrichment_floor(repos)
    floor = search_floor + counts_floor + activity_floor
    search_used = sum(n for (kind, _), n in first.items() if kind == "search")
    graphql_used = sum(n for (kind, _), n in first.items() if kind == "graphql")
    used = search_used + graphql_used
    naive = len(repos) * len(NAIVE_METRICS)
    print(
        f"{len(repos):,} repositories created {min(r['created_at'] for r in repos)[:4]}"
        f"-{max(r['created_at'] for r in repos)[:4]}; {len(slices)} date slices; churn {args.churn}"
    )
    print(
        f"collected: {len(collected):,} of {len(repos):,} repositories"
        f" ({'all' if collected == {r['id'] for r in repos} else 'INCOMPLETE'})"
    )
    print(f"first run ({t1 - t0:.0f} s): {used:,} requests = {search_used:,} search + {graphql_used:,} GraphQL")
    print(
        f"  floor: {floor:,} = {search_floor:,} search pages (ceil(N/100)) + {counts_floor:,} counts"
        f" batches + {activity_floor:,} activity batches"
    )
    print(f"  search ratio to its floor: {search_used / search_floor:.3f}  (target <= 1.3)")
    print(f"  ratio to floor: {used / floor:.3f}")
    print(f"  per-repository counts: {len(repos) / counts_floor:.0f} repositories per request (target >= 25)")
    searched_2 = sum(n for (kind, _), n in second.items() if kind == "search")
    free_2 = second[("search", 304)]
    print(
        f"second run ({t2 - t1:.0f} s): {searched_2:,} search requests, {free_2:,} answered 304 (free);"
        f" {sum(n for (k, _), n in second.items() if k == 'graphql')} GraphQL requests (stored answers reused);"
        " pages that changed while the first run paged are fetched afresh"
    )
    print(
        f"third run: {sum(n for (k, _), n in third.items() if k == 'search'):,} search requests,"
        f" {third[('search', 304)]:,} answered 304 (free)"
    )
    print(
        f"naive REST, one call per repository per metric ({len(NAIVE_METRICS)} metrics): {naive:,} requests"
        f" = {naive / used:.0f}x the first run"
    )


if __name__ == "__main__":
    main()
