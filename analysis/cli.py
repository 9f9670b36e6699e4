"""Command line: `python -m analysis build|report ...`."""
from __future__ import annotations

from pathlib import Path

import click

from analysis import config
from analysis.snapshot import SnapshotError

#: The talk's topics, collected when neither --topic nor --query is given.
DEFAULT_TOPICS = ("mlops", "model-management")


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
@click.option("--force", is_flag=True, help="Run every step again, even those whose inputs are unchanged.")
def report(snapshot: Path | None, force: bool) -> None:
    """Build the data, execute the notebooks and render the paper and slides (skipping unchanged steps)."""
    from analysis.report import ReportError, run

    try:
        run(snapshot or config.snapshot_dir(), force)
    except (SnapshotError, config.SnapshotNotFound, ReportError) as e:
        raise click.ClickException(str(e)) from None


@main.command()
@click.option("--topic", "topics", multiple=True, help="A GitHub topic (repeatable); default: the talk's.")
@click.option("--query", "queries", multiple=True,
              help='Any search string (repeatable), e.g. "topic:model-management -topic:mlops".')
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Snapshot folder to write.")
@click.option("--enrich/--no-enrich", default=True, show_default=True,
              help="Also enrich the repositories (needs a token).")
def collect(topics: tuple[str, ...], queries: tuple[str, ...], out: Path, enrich: bool) -> None:
    """Record a snapshot of GitHub search results (resumable: run again to finish)."""
    from analysis import collect as search
    from analysis import live
    from analysis.github import GitHubError

    try:
        if not topics and not queries:
            topics = DEFAULT_TOPICS
        wanted = [search.topic_query(t) for t in topics] + [search.check_query(q) for q in queries]
        live.collect(out, wanted, enrich)
    except (search.QueryError, SnapshotError, GitHubError) as e:
        raise click.ClickException(str(e)) from None


@main.command()
@click.option("--snapshot", type=click.Path(path_type=Path), required=True)
def enrich(snapshot: Path) -> None:
    """Add per-repository counts and activity to a collected snapshot (GraphQL; needs a token)."""
    from analysis import live
    from analysis.github import GitHubError

    try:
        live.enrich(snapshot)
    except (SnapshotError, GitHubError) as e:
        raise click.ClickException(str(e)) from None
