"""Command line: `python -m analysis build|report ...`."""
from __future__ import annotations

from pathlib import Path

import click

from analysis import config
from analysis.snapshot import SnapshotError


@click.group()
def main() -> None:
    """A reproducible study of the open-source MLOps ecosystem on GitHub."""


@main.command()
@click.option("--snapshot", "snapshot", type=click.Path(path_type=Path), required=True,
              help="Snapshot folder: manifest.json plus recorded API responses.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Folder for repos.parquet and quality.json.")
def build(snapshot: Path, out: Path) -> None:
    """Turn a snapshot into tidy tables."""
    from analysis.build import build as run_build

    try:
        quality = run_build(snapshot, out)
    except SnapshotError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"{quality['repositories']} repositories (as of {quality['as_of']}) -> {out}")
    for q in quality["queries"]:
        click.echo(
            f"  {q['query']}: {q['unique']} unique of total_count {q['total_count']}"
            f" ({q['duplicates']} duplicates, {q['missing']} never seen)"
        )


@main.command()
@click.option("--snapshot", type=click.Path(path_type=Path), default=None,
              help="Snapshot folder (default: $SNAPSHOT, else the newest under data/raw/).")
def report(snapshot: Path | None) -> None:
    """Build the data, execute the notebooks and render the paper and slides."""
    from analysis.report import ReportError, run

    try:
        run(snapshot or config.snapshot_dir())
    except (SnapshotError, config.SnapshotNotFound, ReportError) as e:
        raise click.ClickException(str(e)) from None
