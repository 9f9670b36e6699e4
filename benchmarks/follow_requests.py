"""Benchmark a follow-up's request count against the fake GitHub server.

A snapshot of N repositories is followed up (`analysis follow`): 5% of them since deleted, a few
renamed, archived or made private. The floor is ceil(N/100) GraphQL queries (`nodes(ids:)` takes
100); the target is at most 1.1x that. Reported for a clean run, for a run with faults (a 502
past every retry on one batch, which is split in halves, and a secondary rate limit), and for a
second run on the finished folder (stored answers reused: no query).

    python benchmarks/follow_requests.py [--repos 20000]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fake_github import FakeGitHub, Fault, make_repos, public  # noqa: E402
from snapshots import write_snapshot  # noqa: E402

from analysis.collection import live  # noqa: E402
from analysis.collection.github import Pacing  # noqa: E402


def follow(fake: FakeGitHub, snapshot: Path, out: Path) -> tuple[int, float]:
    """GraphQL requests and seconds for one `follow` run."""
    start, t0 = fake.count("/graphql"), time.perf_counter()
    live.follow(snapshot, out)
    return fake.count("/graphql") - start, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=20_000)
    args = parser.parse_args()
    repos = make_repos(args.repos, seed=1, start=2015, end=2023)
    # The fake retries a failing batch Pacing().graphql_tries times before the enricher splits it.
    tries = Pacing().graphql_tries
    os.environ.update({"GITHUB_TOKEN": "benchmark-token", live.TIME_SCALE_ENV: "0"})
    with tempfile.TemporaryDirectory() as tmp, FakeGitHub(repos) as fake:
        os.environ["GITHUB_API_URL"] = fake.url
        items = [public(r) for r in repos]
        snapshot = write_snapshot(
            Path(tmp) / "snap", [("topic:mlops", items[k : k + 100], len(items)) for k in range(0, len(items), 100)]
        )
        fake.deleted = {r["node_id"] for r in repos[::20]}
        for r in repos[1::50]:
            r["archived"] = True
        for r in repos[2::97]:
            r["full_name"] += "-renamed"
        floor = math.ceil(len(repos) / 100)
        clean, seconds = follow(fake, snapshot, Path(tmp) / "clean")
        fake.faults = [Fault("/graphql", "502", times=tries), Fault("/graphql", "secondary", times=1)]
        faulty, _ = follow(fake, snapshot, Path(tmp) / "faulty")
        again, _ = follow(fake, snapshot, Path(tmp) / "clean")
    print(f"{len(repos):,} repositories, {len(fake.deleted):,} deleted since; floor ceil(N/100) = {floor:,} queries")
    print(f"clean run ({seconds:.1f} s): {clean:,} GraphQL requests, ratio {clean / floor:.3f} (target <= 1.1)")
    print(
        f"with faults (one batch failing {tries} tries, split in halves; one secondary limit): {faulty:,} requests,"
        f" ratio {faulty / floor:.3f}"
    )
    print(f"second run on the finished follow-up: {again:,} requests (stored answers reused)")


if __name__ == "__main__":
    main()
