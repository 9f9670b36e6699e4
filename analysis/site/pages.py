"""The website's own pages, as Quarto markdown: landing, notebooks, data, data dictionary, reproducibility.

Plain markdown with the numbers already in it (from `facts.json`): nothing executes when Quarto renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.site.downloads import CHECKSUMS, Download

#: What each page of the site is called in the navigation bar, in order; documents made by `make report`
#: (paper, PDF, slides) sit between the landing page and the notebooks.
NAV = (
    ("index.html", "Home"),
    ("paper.html", "Paper"),
    ("paper.pdf", "PDF"),
    ("slides.html", "Slides"),
    ("notebooks.html", "Notebooks"),
    ("data.html", "Data"),
    ("data-dictionary.html", "Data dictionary"),
    ("reproducibility.html", "Reproducibility"),
)
#: The site's own pages (Quarto renders these).
PAGES = ("index.qmd", "notebooks.qmd", "data.qmd", "data-dictionary.qmd", "reproducibility.qmd")
NOTEBOOK_TITLES = {
    "01-collect": "Collection and coverage",
    "02-eda": "Exploratory data analysis",
    "03-modeling": "Modeling",
    "04-discussion": "Discussion",
}


@dataclass(frozen=True)
class Context:
    """What the pages say: the report's facts, the downloads, and what produced them."""

    facts: dict[str, Any]
    downloads: list[Download]
    notebooks: list[str]  # executed notebooks' stems, e.g. "02-eda"
    commit: str
    command: str  # the one command that re-renders the site
    snapshots: str  # where the snapshots the site shows are kept


def page(title: str, body: str, subtitle: str = "") -> str:
    head = f'---\ntitle: "{title}"\n' + (f'subtitle: "{subtitle}"\n' if subtitle else "") + "---\n\n"
    return head + body.strip() + "\n"


def supported(facts: dict[str, Any], name: str) -> bool:
    return bool(facts.get(f"{name}_supported"))


def headlines(facts: dict[str, Any]) -> list[str]:
    """The findings the landing page leads with, each only where the snapshot supports its analysis."""
    lines = [f"**{facts['n_repos']} repositories** found by GitHub's search for {facts['queries']}."]
    if supported(facts, "profile"):
        lines.append(
            f"{facts['top_language']} is the most common language ({facts['top_language_share']}); the top 1% of"
            f" repositories hold {facts['top1pct_star_share']} of all stars."
        )
    if supported(facts, "growth"):
        lines.append(str(facts["growth_summary"]))
    if supported(facts, "activity"):
        lines.append(
            f"The median repository had not been pushed to for {facts['median_months_since_push']} months;"
            f" {facts['share_stale']} not for over a year."
        )
    if supported(facts, "content"):
        lines.append(f"Learning material makes up {facts['learning_share']} of a hand-labelled random sample.")
    if supported(facts, "survival"):
        lines.append(str(facts["survival_claim"]))
    return [line for line in lines if line.strip()]


def index(ctx: Context) -> str:
    f = ctx.facts
    warning = (
        f"::: {{.callout-warning}}\n**Unfinished snapshot:** {f['unfinished']}. Numbers may be incomplete.\n:::\n\n"
        if f.get("unfinished")
        else ""
    )
    since = f.get("compare_since")
    sections = [
        "## Headline findings",
        "\n".join(f"- {line}" for line in headlines(f)),
        "## Where are they now?",
        str(f.get("followup_slide") or "No follow-up yet."),
    ]
    if since:
        sections += [f"## Since the snapshot of {since}", str(f["compare_paper"])]
    sections += [
        "## Read the study",
        "- [The paper](paper.html) ([PDF](paper.pdf)): the full argument, with its figures, tables and appendix.\n"
        "- [The slides](slides.html): the talk's sections, one finding a slide.\n"
        "- [The executed notebooks](notebooks.html): every figure and table, with the code that made it.\n"
        "- [The data](data.html): the tidy tables as Parquet and CSV, the snapshot's manifest, and checksums;"
        " what each column means is in the [data dictionary](data-dictionary.html).\n"
        "- [Reproducibility](reproducibility.html): the code commit, lock file and snapshot behind this page,"
        " and the one command that re-renders it.",
    ]
    return page(
        "The open-source MLOps ecosystem on GitHub",
        warning + "\n\n".join(sections),
        f"A living study, as of {f['as_of']} (snapshot {f['snapshot']})",
    )


def notebooks(ctx: Context) -> str:
    # The .ipynb link is raw HTML: Quarto would take a markdown link to a notebook for a page to render.
    rows = [
        f"- [{stem}: {NOTEBOOK_TITLES.get(stem, stem)}](notebooks/{stem}.html)"
        f' (<a href="notebooks/{stem}.ipynb" download>.ipynb</a>)'
        for stem in ctx.notebooks
    ]
    body = (
        "The numbered notebooks, executed headless on the snapshot of"
        f" {ctx.facts['as_of']}. Each loads the tidy tables, calls the `analysis` package and shows the result;"
        " the paper and slides embed their labelled figures and tables.\n\n" + "\n".join(rows)
    )
    return page("Executed notebooks", body)


def size(n: int) -> str:
    """A file size for people: bytes, then KB, MB or GB with one decimal."""
    value, unit = float(n), "bytes"
    for bigger in ("KB", "MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{n:,} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"


def data(ctx: Context) -> str:
    rows = "\n".join(
        f"| [[{d.name}](downloads/{d.name})]{{.file-name}} | {size(d.size)} | `{d.sha256}` |" for d in ctx.downloads
    )
    body = (
        f"The tidy tables of the snapshot of {ctx.facts['as_of']}, as Parquet and as CSV (in a CSV, a list column"
        " is joined by `;` and a record column is JSON), with the snapshot's `manifest.json` (every request"
        " that made it), its coverage (`quality.json`) and the numbers the documents state (`facts.json`)."
        " Each column is described in the [data dictionary](data-dictionary.html).\n\n"
        f"Check a download with `sha256sum --check {CHECKSUMS}` ([{CHECKSUMS}](downloads/{CHECKSUMS})).\n\n"
        "| file | size | SHA-256 |\n| --- | ---: | --- |\n" + rows + "\n\n"
        f"The snapshot's recorded API responses themselves are kept {ctx.snapshots}."
    )
    return page("Data", body)


def data_dictionary(readme: Path) -> str:
    """data/README.md as a page: its own first heading gives way to the page title."""
    lines = readme.read_text().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return page("Data dictionary", "\n".join(lines))


def reproducibility(ctx: Context) -> str:
    f = ctx.facts
    body = (
        "What this site shows, and how to make it again.\n\n"
        "| | |\n| --- | --- |\n"
        f"| code commit | `{ctx.commit}` |\n"
        f"| `uv.lock` SHA-256 (every package version) | `{f['lock_sha256']}` |\n"
        f"| snapshot | `{f['snapshot']}`, as of {f['as_of']} |\n"
        f"| snapshot `manifest.json` SHA-256 | `{f['manifest_sha256']}` |\n"
        + (f"| compared with the snapshot of | {f['compare_since']} |\n" if f.get("compare_since") else "")
        + "\n"
        f"The snapshots (their recorded API responses, never edited) are kept {ctx.snapshots}. A release's"
        " `snapshot-DATE.tar.gz` unpacks into `data/raw/` and its `followup-DATE.tar.gz` (the follow-up its"
        " report used) into `data/` (`tar -xzf FILE -C data/raw`, `-C data`); each has its `.sha256`. With the"
        " snapshots named above in place, in a checkout of that commit, one command re-renders this site, the"
        " paper, the slides and the notebooks, with exactly the locked package versions:\n\n"
        f"```sh\n{ctx.command}\n```\n\n"
        "It needs Python 3.11, make and Quarto; the Python packages come from `uv.lock`. The paper's"
        " Reproducibility appendix lists the versions that ran."
    )
    return page("Reproducibility", body)


def write(stage: Path, ctx: Context, readme: Path) -> None:
    """Write every page into the staging folder."""
    (stage / "index.qmd").write_text(index(ctx))
    (stage / "notebooks.qmd").write_text(notebooks(ctx))
    (stage / "data.qmd").write_text(data(ctx))
    (stage / "data-dictionary.qmd").write_text(data_dictionary(readme))
    (stage / "reproducibility.qmd").write_text(reproducibility(ctx))
