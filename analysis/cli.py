"""Command line: `python -m analysis build|report|site|refresh|collect|enrich|follow ...`.

No traceback reaches the user: every failure ends as one line naming the problem, and
the full trace is printed only under `--debug`. Neither ever shows a token.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import click

from analysis import config
from analysis.snapshot import SnapshotError


def redact(text: str) -> str:
    """`text` with every token from the environment (and its stripped form) replaced."""
    from analysis.collection.github import TOKEN_ENVS

    for name in TOKEN_ENVS:
        secret = os.environ.get(name) or ""
        for form in {secret, secret.strip()}:
            if len(form) >= 4:
                text = text.replace(form, "***")
    return text


def explain(error: Exception) -> str:
    """One line for an error: ours say what to do; anything else names its kind."""
    from analysis.collection.github import GitHubError
    from analysis.collection.search import QueryError
    from analysis.inputs import InputFileError
    from analysis.report import ReportError
    from analysis.site import SiteError

    ours = (SnapshotError, GitHubError, QueryError, InputFileError, config.SnapshotNotFound, ReportError, SiteError)
    if isinstance(error, ours):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename or 'a file'}: {error.strerror}"
    return f"unexpected {type(error).__name__}: {error} (run with --debug for the full trace)"


class Guarded(click.Group):
    """A group whose commands end in one clear line, never a traceback (unless --debug)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; run the same command again to resume") from None
        except Exception as e:  # the one place that turns any failure into a message
            if ctx.params.get("debug"):
                click.echo(redact(traceback.format_exc()), err=True)
            raise click.ClickException(redact(explain(e))) from None


@click.group(cls=Guarded)
@click.option("--debug", is_flag=True, help="On failure, also print the full trace (tokens redacted).")
def main(debug: bool) -> None:
    """A reproducible study of the open-source MLOps ecosystem on GitHub."""


@main.command()
@click.option(
    "--snapshot",
    "snapshot",
    type=click.Path(path_type=Path),
    required=True,
    help="Snapshot folder: manifest.json plus recorded API responses.",
)
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="Folder for repos.parquet and quality.json."
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Build an interrupted or incomplete snapshot anyway (quality.json says so).",
)
def build(snapshot: Path, out: Path, allow_incomplete: bool) -> None:
    """Turn a snapshot into tidy tables."""
    from analysis.build import build as run_build

    quality = run_build(snapshot, out, allow_incomplete=allow_incomplete)
    if quality.get("unfinished"):
        click.echo(f"WARNING: accepted although {quality['unfinished']}", err=True)
    click.echo(f"{quality['repositories']} repositories (as of {quality['as_of']}) -> {out}")
    for q in quality["queries"]:
        click.echo(
            f"  {q['query']}: {q['unique']} unique of total_count {q['total_count']}"
            f" ({q['duplicates']} duplicates, {q['missing']} never seen)"
        )


@main.command()
@click.option(
    "--snapshot",
    type=click.Path(path_type=Path),
    default=None,
    help="Snapshot folder (default: $SNAPSHOT, else the newest under data/raw/, else the embedded 2023 one).",
)
@click.option("--force", is_flag=True, help="Run every step again, even those whose inputs are unchanged.")
def report(snapshot: Path | None, force: bool) -> None:
    """Build the data, execute the notebooks and render the paper and slides (skipping unchanged steps)."""
    from analysis.report import ReportError, run

    chosen, why = (config.resolve_relative(snapshot), "named by --snapshot") if snapshot else config.snapshot_choice()
    try:
        run(chosen, why, force)
    except ReportError as e:
        raise click.ClickException(str(e)) from None


@main.command()
@click.option(
    "--snapshot",
    type=click.Path(path_type=Path),
    default=None,
    help="Snapshot folder (default: $SNAPSHOT, else the newest under data/raw/, else the embedded 2023 one).",
)
def site(snapshot: Path | None) -> None:
    """Make the report (skipping unchanged steps), then the static website in _site/."""
    from analysis import report
    from analysis import site as website

    chosen, why = (config.resolve_relative(snapshot), "named by --snapshot") if snapshot else config.snapshot_choice()
    report.run(chosen, why)
    website.publish(chosen)


@main.command()
@click.option(
    "--allow-incomplete", is_flag=True, help="Publish even a snapshot whose collection stayed incomplete (it says so)."
)
def refresh(allow_incomplete: bool) -> None:
    """Collect today's snapshot, follow the previous one to today, report on both and build the site (resumable)."""
    from analysis import refresh as refreshing

    refreshing.run(allow_incomplete)


@main.command()
@click.option("--topic", "topics", multiple=True, help="A GitHub topic (repeatable); default: config.TOPICS.")
@click.option(
    "--query",
    "queries",
    multiple=True,
    help='Any search string (repeatable), e.g. "topic:model-management -topic:mlops".',
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Snapshot folder to write.")
@click.option(
    "--enrich/--no-enrich", default=True, show_default=True, help="Also enrich the repositories (needs a token)."
)
@click.option(
    "--allow-incomplete", is_flag=True, help="Exit 0 even when some date slices stay short of their total_count."
)
def collect(topics: tuple[str, ...], queries: tuple[str, ...], out: Path, enrich: bool, allow_incomplete: bool) -> None:
    """Record a snapshot of GitHub search results (resumable: run again to finish)."""
    from analysis.collection import live, search

    if not topics and not queries:
        topics = config.TOPICS
    wanted = [search.topic_query(t) for t in topics] + [search.check_query(q) for q in queries]
    live.collect(out, wanted, enrich, allow_incomplete)


@main.command()
@click.option("--snapshot", type=click.Path(path_type=Path), required=True)
def enrich(snapshot: Path) -> None:
    """Add per-repository counts and activity to a collected snapshot (GraphQL; needs a token)."""
    from analysis.collection import live

    live.enrich(snapshot)


@main.command()
@click.option("--snapshot", type=click.Path(path_type=Path), required=True, help="The snapshot to follow up.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the follow-up (default: data/followup/<snapshot name>/, where `make report` looks).",
)
def follow(snapshot: Path, out: Path | None) -> None:
    """Ask GitHub what became of a snapshot's repositories since (GraphQL; needs a token; resumable)."""
    from analysis.collection import live

    live.follow(snapshot, out or config.followup_dir(snapshot))
