"""Every path the project uses, in one place, overridable from the environment.

Notebooks and commands never build paths by hand: they ask this module, so that
`make report SNAPSHOT=DIR` and an interactive `make lab` read the same data.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable naming the snapshot folder to analyse.
SNAPSHOT_ENV = "SNAPSHOT"
#: Environment variable overriding where tidy tables are written.
PROCESSED_ENV = "MLOPS_PROCESSED_DIR"
#: Environment variable overriding where `make report` writes what readers open.
OUTPUT_ENV = "MLOPS_OUTPUT_DIR"
#: Environment variable overriding the folder that holds data/ and _output/ (tests use a temporary one).
ROOT_ENV = "MLOPS_PROJECT_ROOT"
#: The checkout: committed sources (notebooks, Quarto documents) are always read from here.
SOURCE_ROOT = Path(__file__).resolve().parent.parent
#: Environment variable that lets `build` and `make report` accept an interrupted or incomplete snapshot.
ALLOW_INCOMPLETE_ENV = "ALLOW_INCOMPLETE"
#: Environment variable naming a snapshot's follow-up folder (default: data/followup/<snapshot name>/).
FOLLOWUP_ENV = "FOLLOWUP"
#: Environment variable naming an older snapshot to compare the analysed one with (`make report COMPARE=OLD`).
COMPARE_ENV = "COMPARE"
#: The 2023 snapshot the talk analysed, shipped with the project: the default when none has been collected.
EMBEDDED_SNAPSHOT = SOURCE_ROOT / "data" / "recorded" / "github-search-2023-01"
#: Reference files shipped with the project (the curated tool list), with their checksums.
REFERENCE_DIR = SOURCE_ROOT / "data" / "reference"
#: The numbers the documents state, beside a snapshot's tidy tables (written by `analysis.facts`).
FACTS_FILE = "facts.json"
#: The GitHub topics the study collects (`make collect`, `make refresh`): the one place a fork changes them.
TOPICS = ("mlops", "model-management")
#: Environment variable overriding where `make site` builds the website.
SITE_ENV = "MLOPS_SITE_DIR"


class SnapshotNotFound(RuntimeError):
    """No snapshot was named, none has been collected, and the embedded one is gone."""


def allow_incomplete() -> bool:
    """Whether the user accepted analysing an unfinished snapshot (`ALLOW_INCOMPLETE=1`)."""
    return os.environ.get(ALLOW_INCOMPLETE_ENV, "").strip().lower() in ("1", "true", "yes")


def project_root() -> Path:
    """The folder that holds data/ and _output/: the checkout, unless overridden."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    return SOURCE_ROOT


def raw_dir() -> Path:
    """Where live collection writes snapshots, one folder per UTC date."""
    return project_root() / "data" / "raw"


def output_dir() -> Path:
    """Where `make report` puts everything a reader opens."""
    if os.environ.get(OUTPUT_ENV):
        return Path(os.environ[OUTPUT_ENV]).expanduser().resolve()
    return project_root() / "_output"


def site_dir() -> Path:
    """Where `make site` builds the static website (what GitHub Pages publishes)."""
    if os.environ.get(SITE_ENV):
        return Path(os.environ[SITE_ENV]).expanduser().resolve()
    return project_root() / "_site"


def followup_root() -> Path:
    """Where follow-ups are recorded, one folder per snapshot."""
    return project_root() / "data" / "followup"


def notebooks_dir() -> Path:
    """The committed, clean notebooks (their executed copies go under output_dir())."""
    return SOURCE_ROOT / "notebooks"


def snapshot_dir() -> Path:
    """The snapshot to analyse (see `snapshot_choice`)."""
    return snapshot_choice()[0]


def snapshot_choice() -> tuple[Path, str]:
    """The snapshot to analyse and why: `$SNAPSHOT` if set, else the newest under data/raw/, else the
    embedded 2023 snapshot."""
    named = os.environ.get(SNAPSHOT_ENV)
    if named:
        return resolve_relative(Path(named).expanduser()), f"named by {SNAPSHOT_ENV}"
    candidates = sorted(p for p in raw_dir().glob("*") if (p / "manifest.json").is_file())
    if candidates:
        return candidates[-1].resolve(), f"the newest of {len(candidates)} collected under {raw_dir()}"
    if not (EMBEDDED_SNAPSHOT / "manifest.json").is_file():
        raise SnapshotNotFound(
            f"No snapshot to analyse: {SNAPSHOT_ENV} is not set, {raw_dir()} holds none, and the embedded 2023"
            f" snapshot's {EMBEDDED_SNAPSHOT / 'manifest.json'} is missing; restore it with"
            " `git checkout -- data/recorded`, or collect a fresh snapshot with `make collect`"
        )
    return EMBEDDED_SNAPSHOT, f"the embedded 2023 snapshot: none has been collected under {raw_dir()}"


def resolve_relative(path: Path) -> Path:
    """A relative path as the user meant it: from where they typed the command.

    A Jupyter kernel runs in `notebooks/`, but inherits `$PWD` from the shell that started
    Jupyter (or make, or nbconvert), so a path that does not exist from the kernel's working
    directory is looked up from there.
    """
    if path.is_absolute() or path.exists():
        return path.resolve()
    typed_in = os.environ.get("PWD")
    if typed_in and (Path(typed_in) / path).exists():
        return (Path(typed_in) / path).resolve()
    return path.resolve()


def processed_dir(snapshot: Path | None = None) -> Path:
    """Where the tidy tables of a snapshot live: data/processed/<snapshot folder name>/."""
    if os.environ.get(PROCESSED_ENV):
        return Path(os.environ[PROCESSED_ENV]).expanduser().resolve()
    snapshot = snapshot or snapshot_dir()
    return project_root() / "data" / "processed" / snapshot.name


def followup_dir(snapshot: Path) -> Path:
    """Where a snapshot's follow-up lives, and where `make report` looks for one: `$FOLLOWUP`, else
    data/followup/<snapshot name>/."""
    named = os.environ.get(FOLLOWUP_ENV)
    if named:
        return resolve_relative(Path(named).expanduser())
    return followup_root() / Path(snapshot).resolve().name


def compare_dir() -> Path | None:
    """The older snapshot to compare with (`$COMPARE`), or None."""
    named = os.environ.get(COMPARE_ENV)
    return resolve_relative(Path(named).expanduser()) if named else None


def compared_processed_dir(snapshot: Path) -> Path:
    """Where the tidy tables of a snapshot being compared with live: apart from the analysed one's."""
    return project_root() / "data" / "processed" / "compared" / snapshot.name


def curated_tools_file() -> Path:
    """The hand-curated list of MLOps tools with their task (the talk's study kept it)."""
    return REFERENCE_DIR / "mlops-tools-curated-2023.csv"
