"""`make refresh` end to end: twice against the fake GitHub, a week apart, with repositories created,
deleted, renamed, archived and re-tagged in between; the second run is killed once during its collection
and resumed. The second site must hold the planted numbers in its comparison and "Where are they now?",
and pass the site checks in Chromium. Also: an incomplete snapshot is not published.

The two reports are also the suite's rendered reports other than the checkout's, each passing every render
check (`tests/test_rendered.py`): the first, whose cohort carries no topic but the one that selects it and few
descriptions, renders the sentences of the analyses it cannot support; the second renders the follow-up.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import site_check
from conftest import REPO, missing_tool, quarto, with_quarto_on_path
from fake_github import FakeGitHub
from snapshots import planted_cohort, repo_item
from test_report import without_quarto

from analysis import config
from analysis.collection import live

pytestmark = [pytest.mark.integration, pytest.mark.notebooks]
FIRST, SECOND = "2026-11-29", "2026-12-06"
N = 200  # the first snapshot's cohort
CREATED = 12  # repositories created between the two dates
TAGGED = 5  # older repositories that took the topic between the two dates
STAMP = "%Y-%m-%dT%H:%M:%SZ"


def served(repo: dict[str, Any]) -> dict[str, Any]:
    """A repository as the fake serves it (enrichment asks for issues and pull requests)."""
    return {**repo, "_issues": 2, "_pulls": 1, "open_issues_count": repo.get("open_issues_count", 0)}


def week(n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[int]]:
    """The repositories on the first date and on the second, and the ids deleted in between. They carry no topic
    but `mlops`, so that the tag communities and the DataOps comparison fall short too."""
    items, later = planted_cohort(n, dt.date.fromisoformat(SECOND), as_of=FIRST, topics=())
    untagged = [  # on the first date these carry other topics; by the second they took `mlops`
        repo_item(5000 + k, topics=["python"], created_at="2022-05-05T00:00:00Z") for k in range(TAGGED)
    ]
    created = [
        repo_item(
            6000 + k,
            created_at=(dt.datetime.fromisoformat(FIRST) + dt.timedelta(days=1 + k % 5)).strftime(STAMP),
            pushed_at=f"{SECOND}T00:00:00Z",
        )
        for k in range(CREATED)
    ]
    deleted = {r["id"] for r in later if r["id"] % 20 == 7}  # none of those renamed, moved or archived
    first = [served(r) for r in items + untagged]
    second = [served(r) for r in later if r["id"] not in deleted]
    second += [served({**r, "topics": ["mlops", "python"]}) for r in untagged] + [served(r) for r in created]
    return first, second, deleted


def environment(root: Path, fake: FakeGitHub, today: str) -> dict[str, str]:
    env = with_quarto_on_path(without_quarto(root))
    env |= {"GITHUB_API_URL": fake.url, "GITHUB_TOKEN": "t", live.TIME_SCALE_ENV: "0", live.TODAY_ENV: today}
    for name in (config.FOLLOWUP_ENV, config.COMPARE_ENV, config.ALLOW_INCOMPLETE_ENV, "GH_TOKEN"):
        env.pop(name, None)
    return env


def refresh(env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analysis", "refresh", *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def answers(snapshot: Path) -> int:
    """How many answers the snapshot holds so far: those its manifest lists and those journalled since."""
    manifest, journal = snapshot / "manifest.json", snapshot / "manifest.journal"
    listed = len(json.loads(manifest.read_text()).get("requests", [])) if manifest.is_file() else 0
    return listed + (journal.read_text().count("\n") if journal.is_file() else 0)


def killed_during_collection(env: dict[str, str], snapshot: Path) -> None:
    """Start a refresh and kill it as soon as its collection has recorded two answers."""
    with subprocess.Popen(
        [sys.executable, "-m", "analysis", "refresh"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    ) as process:
        deadline = time.monotonic() + 120
        while answers(snapshot) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass(frozen=True)
class Refreshed:
    """The project after two refreshes a week apart, and what was kept of the first week (the second overwrites
    its outputs). The render checks of each report run in the background while the module goes on (the second
    week; the site's checks in Chromium): a worker would otherwise wait for them one after another."""

    root: Path
    first_site: str  # the first site's landing page
    first_output: Path  # a copy of the first report's outputs, and its facts.json
    deleted: set[int]  # the ids deleted between the two dates
    output: str  # the second run's console output
    first_checks: subprocess.Popen[str]
    second_checks: subprocess.Popen[str]


def start_render_checks(root: Path, out: Path) -> subprocess.Popen[str]:
    """Every check of `tests/test_rendered.py` on the rendered outputs in `out`, required to run."""
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(REPO / "tests" / "test_rendered.py")],
        env={**without_quarto(root), "RENDER_CHECKS": "required", config.OUTPUT_ENV: str(out)},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def passed(checks: subprocess.Popen[str]) -> None:
    output, _ = checks.communicate(timeout=900)
    assert checks.returncode == 0, output[-4000:]


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """Two refreshes a week apart (the second killed once, then resumed)."""
    quarto()  # skipped (failed under CI) without Quarto
    root = tmp_path_factory.mktemp("living")
    first, second, deleted = week(N)
    with FakeGitHub(first) as fake:
        done = refresh(environment(root, fake, FIRST))
        assert done.returncode == 0, done.stderr[-3000:]
    first_site = (root / "_site" / "index.html").read_text()
    first_output = shutil.copytree(root / "_output", tmp_path_factory.mktemp("first") / "_output")
    shutil.copy(root / "data" / "processed" / FIRST / "facts.json", first_output / "facts.json")
    first_checks = start_render_checks(root, first_output)
    try:
        with FakeGitHub(second, delay=0.05) as fake:
            env = environment(root, fake, SECOND)
            killed_during_collection(env, root / "data" / "raw" / SECOND)
            fake.delay = 0
            done = refresh(env)
            assert done.returncode == 0, done.stderr[-3000:]
        second_checks = start_render_checks(root, root / "_output")
        try:
            yield Refreshed(
                root, first_site, first_output, deleted, done.stdout + done.stderr, first_checks, second_checks
            )
        finally:
            second_checks.kill()
            second_checks.communicate()
    finally:
        first_checks.kill()
        first_checks.communicate()


def test_first_site_has_nothing_to_compare(refreshed):
    assert f"as of {FIRST}" in refreshed.first_site and "Since the snapshot of" not in refreshed.first_site


#: The analyses the first snapshot cannot support: few descriptions, no hand labels, one topic.
SHORT = ("topics", "content", "separation", "tags")


def test_first_report_renders_what_it_cannot_analyse_and_reads_right(refreshed):
    """Too few descriptions for topics, no hand labels, no topic but `mlops`: the rendered paper and deck pass
    every render check, each analysis that falls short says so in a sentence, and no sentence is left with a hole."""
    facts = json.loads((refreshed.first_output / "facts.json").read_text())
    assert not any(facts[f"{name}_supported"] for name in SHORT)  # so the shortfalls are rendered
    passed(refreshed.first_checks)
    paper = (refreshed.first_output / "paper.html").read_text()
    # Pandoc curls apostrophes, so each shortfall is looked for up to its colon.
    assert all(facts[f"{name}_shortfall"].split(":")[0] in paper for name in SHORT)


def test_second_run_resumed_and_used_both_snapshots(refreshed):
    root = refreshed.root
    assert sorted(p.name for p in (root / "data" / "raw").iterdir()) == [FIRST, SECOND]
    assert "refresh 2/4 following the repositories of " + FIRST in refreshed.output
    manifest = json.loads((root / "data" / "followup" / FIRST / "followup.json").read_text())
    assert manifest["followed_on"] == SECOND


def test_second_site_holds_the_planted_numbers(refreshed):
    root, deleted = refreshed.root, refreshed.deleted
    untagged = {i for i in range(1, N + 1) if i % 25 == 0}
    left = len(deleted | untagged)
    facts = json.loads((root / "data" / "processed" / SECOND / "facts.json").read_text())
    compare = facts["compare_paper"]
    assert f"holds {CREATED + TAGGED:,} repositories the older one did not, and lacks {left:,}" in compare
    assert f"{CREATED:,} of the newcomers were created between the two dates" in compare
    assert f"the other {TAGGED:,} were tagged since" in compare
    followup = facts["followup_paper"]
    assert followup.startswith(f"This section follows up the earlier snapshot, of {FIRST}.")
    assert f"each of its {N:,} repositories" in followup and f"{100 * len(deleted) / N:.0f}%" in followup
    renamed, moved = N // 40, N // 70  # planted_cohort: every 40th renamed, every 70th moved to another owner
    assert f"{renamed:,} were renamed and {moved:,} moved to another owner" in followup
    assert "7 days after the snapshot" in followup
    site = root / "_site"
    paper = (site / "paper.html").read_text()
    assert f"Since the snapshot of {FIRST}" in paper and "follows up the earlier snapshot" in paper
    index = (site / "index.html").read_text()
    assert f"as of {SECOND}" in index and f"Since the snapshot of {FIRST}" in index
    assert "WARN:" not in refreshed.output  # Quarto built the site without a warning (e.g. a link it cannot resolve)
    assert f"{CREATED:,} of the newcomers were created between the two dates" in index


def test_second_site_reads_right_in_a_browser(refreshed):
    root = refreshed.root
    if not site_check.CHROMIUM.exists():
        missing_tool(f"no Chromium at {site_check.CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    keep = os.environ.get("SITE_IMAGES")  # a folder: the landing page's screenshots, for a person to look at
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(site_check.CHROMIUM), args=site_check.ARGS)
        found = site_check.problems(browser, root / "_site", Path(keep) if keep else None)
        browser.close()
    assert not found, "\n".join(found[:30])


def test_second_report_renders_the_follow_up_and_reads_right(refreshed):
    """The section, rendered in the paper and the deck, and every render check on the second report (after the
    site's checks, which run beside them)."""
    out = refreshed.root / "_output"
    assert "Report:" in refreshed.output
    html = (out / "paper.html").read_text()
    assert "Where are they now?" in html and "Kaplan–Meier curves fitted on the snapshot alone" in html
    assert "still maintained" in (out / "slides.html").read_text()
    passed(refreshed.second_checks)
    # The section's PDF page as an image, kept for a person to look at (FOLLOWUP_IMAGES=folder).
    keep = os.environ.get("FOLLOWUP_IMAGES")
    if keep and shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(out / "paper.pdf"), f"{keep}/paper"], check=True)


def test_an_incomplete_snapshot_is_not_published(tmp_path):
    """A slice short of its total_count stops the refresh before any report or site, unless allowed."""
    repos = [served(repo_item(i)) for i in range(1, 31)]
    with FakeGitHub(repos, hidden={5}) as fake:
        done = refresh(environment(tmp_path, fake, FIRST))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert "--allow-incomplete" in last and "Traceback" not in done.stderr
    assert not (tmp_path / "_site").exists() and not (tmp_path / "_output").exists()
