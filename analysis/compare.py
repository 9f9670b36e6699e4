"""`make report SNAPSHOT=NEW COMPARE=OLD`: what changed between two snapshots, measured directly.

Repositories that entered the topics (in the new snapshot only: created since, or tagged since, or
unseen before under the search cap) and left them (in the old only: deleted, made private or
untagged, or unseen now), growth as the repositories created between the two dates, and how the
headline numbers moved, with both snapshots' coverage stated beside them.
"""

from __future__ import annotations

import polars as pl

from analysis import coverage, eda, recency, tables
from analysis.build import Study
from analysis.dates import YEAR_DAYS, as_of_datetime, span


def headlines(study: Study) -> dict[str, str]:
    """The numbers a reader compares first, formatted; those a snapshot cannot give are left out."""
    repos = study.repos
    numbers = {"repositories": f"{repos.height:,}"}
    if repos.height == 0:
        return numbers
    stars = eda.star_summary(repos)
    recent = recency.summary(repos, study.as_of)
    python = int((repos["language"] == "Python").sum()) / repos.height
    return numbers | {
        "median stars": f"{stars['median']:,.0f}",
        "the top 1%'s share of stars": tables.percent(stars["top1pct_share_of_stars"]),
        "Python's share": tables.percent(python),
        "pushed to in the last 90 days": tables.percent(recent["share_recent"]),
        "not pushed to for a year": tables.percent(recent["share_stale"]),
    }


def coverage_text(study: Study) -> str:
    cover = coverage.overall(study.quality)
    return f"{cover['repositories']:,} repositories, {cover['missing']:,} reported matches never seen"


def facts(new: Study, old: Study | None) -> dict[str, str]:
    """The comparison's paragraph and the deck's title for it; empty when no older snapshot was named."""
    if old is None:
        return {"compare_paper": "", "compare_since": "", "compare_headline": ""}
    new_ids, old_ids = set(new.repos["id"].to_list()), set(old.repos["id"].to_list())
    entered = new.repos.filter(pl.col("id").is_in(new_ids - old_ids))
    left = len(old_ids - new_ids)
    days = (as_of_datetime(new.as_of) - as_of_datetime(old.as_of)).days
    years = days / YEAR_DAYS
    created_since = entered.filter(pl.col("created_at") > as_of_datetime(old.as_of)).height
    # A yearly rate from a week (a weekly refresh) would be noise dressed as a trend: from half a year on only.
    per_year = f", {created_since / years:,.0f} a year" if days >= YEAR_DAYS / 2 else ""
    unseen = coverage.overall(old.quality)["missing"]
    before, after = headlines(old), headlines(new)
    moved = "; ".join(f"{name} {before[name]} then, {after[name]} now" for name in after if name in before)
    paper = (
        f"Compared with the snapshot of {old.as_of} ({coverage_text(old)}), the snapshot of {new.as_of}"
        f" ({coverage_text(new)}) holds {entered.height:,} repositories the older one did not, and lacks"
        f" {left:,} that it held (deleted, made private or untagged since, or unseen now); {len(new_ids & old_ids):,}"
        f" are in both. Measured directly, {created_since:,} of the newcomers were created between the two dates"
        f"{per_year} over {span(days)}; the other {entered.height - created_since:,} were tagged since"
        + (f", or were among the {unseen:,} matches the older snapshot never saw" if unseen else "")
        + f". Headline numbers: {moved}."
    )
    headline = f"Since {old.as_of}, {entered.height:,} repositories entered the search and {left:,} left it"
    return {"compare_paper": paper, "compare_since": old.as_of, "compare_headline": headline}
