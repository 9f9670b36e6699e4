"""The whole path on a planted cohort: `follow` against the fake GitHub, then `make report` on the followed
snapshot itself, which reads its own follow-up (`make refresh` reads the older snapshot's: `tests/test_refresh.py`,
whose second report is the one rendered, with the section, and checked like the real one)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from fake_github import FakeGitHub
from snapshots import planted_cohort, write_snapshot
from test_report import run_report, without_quarto

from analysis import config
from analysis.collection import live

pytestmark = [pytest.mark.integration, pytest.mark.notebooks]
N = 300  # three GraphQL pages of 100


@pytest.fixture(scope="module")
def followed(tmp_path_factory):
    """A planted snapshot of 2023, its follow-up today through the fake GitHub, and the report on both."""
    root = tmp_path_factory.mktemp("followed")
    items, now = planted_cohort(N, dt.datetime.now(dt.UTC).date())
    snapshot = write_snapshot(
        root / "raw" / "cohort", [("topic:mlops", items[k : k + 100], N) for k in range(0, N, 100)]
    )
    gone = {r["node_id"] for r in now[::20]}
    with FakeGitHub(now, deleted=gone) as fake:
        env = {
            **os.environ,
            "GITHUB_API_URL": fake.url,
            "GITHUB_TOKEN": "t",
            live.TIME_SCALE_ENV: "0",
            config.ROOT_ENV: str(root),
        }
        env.pop(config.FOLLOWUP_ENV, None)
        subprocess.run(
            [sys.executable, "-m", "analysis", "follow", "--snapshot", str(snapshot)],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        assert fake.count("/graphql") == -(-N // 100)
    return root, run_report(snapshot, without_quarto(root)), len(gone)


def test_follow_up_recorded_where_the_report_looks(followed):
    root, output, gone = followed
    manifest = json.loads((root / "data" / "followup" / "cohort" / "followup.json").read_text())
    assert manifest["snapshot"] == "cohort" and manifest["followed_on"]
    quality = json.loads((root / "data" / "processed" / "cohort" / "quality.json").read_text())
    assert quality["followup"]["followed_on"] == manifest["followed_on"]
    facts = json.loads((root / "data" / "processed" / "cohort" / "facts.json").read_text())
    paper = facts["followup_paper"]
    assert f"{N:,} repositories" in paper and f"{100 * gone / N:.0f}%" in paper
    assert "predicted" in paper and "By owner: organisations" in paper
    assert "still maintained" in paper and "top 1%" in paper
    assert "executed notebooks" in output  # the report ran to its end (without Quarto here)
