"""`make refresh`: the living study's week, in four steps, each resumable.

1. collect today's snapshot into data/raw/<UTC date>/ (skipped when it is already finished);
2. follow the previous snapshot (the newest finished one before today) to today, into
   data/followup/<its name>/ (skipped when that follow-up is finished);
3. the report on today's snapshot, compared with the previous one, whose follow-up fills
   "Where are they now?" (`make report` skips what is unchanged);
4. the site (`make site`).

Killed at any point, the same command picks up where it stopped: collect and follow resume from
what they recorded, and the report reruns only steps whose inputs changed. An incomplete snapshot
stops it before anything is published, unless `--allow-incomplete` is given.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from analysis import config
from analysis.collection import live, search
from analysis.collection.progress import console
from analysis.snapshot import FOLLOWUP_MANIFEST, MANIFEST, Snapshot, SnapshotError

STEPS = 4
DATED = re.compile(r"\d{4}-\d{2}-\d{2}")


def say(n: int, what: str) -> None:
    console.print(f"[bold]refresh {n}/{STEPS}[/bold] {what}")


def previous_snapshot(raw: Path, today: str) -> Path | None:
    """The newest finished snapshot under `raw` named by a date before `today`, or None."""
    dated = sorted(p for p in raw.glob("*") if DATED.fullmatch(p.name) and p.name < today)
    return next((p for p in reversed(dated) if collected(p)), None)


def collected(folder: Path) -> bool:
    """Whether `folder` holds a finished snapshot (one killed before its first answer holds none yet)."""
    if not (folder / MANIFEST).is_file():
        return False
    try:
        return Snapshot(folder).unfinished() is None
    except SnapshotError:
        return False


def followed(folder: Path) -> bool:
    manifest = folder / FOLLOWUP_MANIFEST
    return manifest.is_file() and bool(json.loads(manifest.read_text()).get("followed_on"))


def run(allow_incomplete: bool) -> Path:
    """Collect, follow up, report and build the site; the site's folder."""
    from analysis import report, site

    today = live.today()
    new = config.raw_dir() / today
    previous = previous_snapshot(config.raw_dir(), today)
    if collected(new):
        say(1, f"today's snapshot {new} is already collected")
    else:
        say(1, f"collecting today's snapshot into {new}")
        live.collect(new, [search.topic_query(t) for t in config.TOPICS], True, allow_incomplete)
    unfinished = Snapshot(new).unfinished()
    if unfinished and not allow_incomplete:
        raise SnapshotError(f"{new}: not published: {unfinished}")
    if previous is None:
        say(2, f"no earlier finished snapshot under {config.raw_dir()}: nothing to follow up or compare with")
    elif followed(config.followup_root() / previous.name):
        say(2, f"the follow-up of {previous.name} is already recorded")
    else:
        say(2, f"following the repositories of {previous.name} to today")
        live.follow(previous, config.followup_root() / previous.name)
    say(3, f"the report on {new.name}" + (f", compared with {previous.name}" if previous else ""))
    os.environ.pop(config.FOLLOWUP_ENV, None)  # each snapshot's follow-up is where the report looks by default
    os.environ[config.ALLOW_INCOMPLETE_ENV] = "1" if allow_incomplete else ""
    if previous is None:
        os.environ.pop(config.COMPARE_ENV, None)
    else:
        os.environ[config.COMPARE_ENV] = str(previous)
    report.run(new, "collected today by `make refresh`")
    say(4, "the site")
    return site.publish(new)
