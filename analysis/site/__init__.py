"""`make site`: a report as a static website in `_site/`, what GitHub Pages publishes.

A Quarto website project (https://quarto.org/docs/websites/) holds the site's own pages (landing,
notebooks, data, data dictionary, reproducibility), rendered in a staging folder (`_build-site/`); the
documents `make report` made (paper with its PDF, slides, executed notebooks) and the downloads are
then copied beside them, each given the same links to the other pages, and the whole folder replaces
`_site/` in one rename, so a reader never sees half a site.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from analysis import config, provenance
from analysis.site import downloads, pages
from analysis.site import notebooks as notebook_pages

#: The documents of `make report` the site publishes (in `_output/`).
DOCUMENTS = ("paper.html", "paper.pdf", "slides.html")
SITE_TITLE = "The MLOps ecosystem on GitHub"
#: A short style for the link bar added to the documents, which have no navigation bar of their own.
BAR_STYLE = (
    "font: 14px/1.6 system-ui, sans-serif; padding: 6px 12px; background: #f3f5f7;"
    " border-bottom: 1px solid #d0d7de; overflow-wrap: anywhere"
)
#: On the slides the bar stays small, in a corner, above the slide.
SLIDES_BAR_STYLE = (
    "position: fixed; left: 0; bottom: 0; z-index: 40; font: 12px/1.4 system-ui, sans-serif;"
    " padding: 2px 8px; background: rgba(255, 255, 255, 0.85)"
)


#: Checksums and commits in tables break anywhere rather than push a narrow screen sideways; file names never.
SITE_CSS = "td code { overflow-wrap: anywhere; word-break: break-all; }\n.file-name { white-space: nowrap; }\n"


class SiteError(RuntimeError):
    """The site cannot be built from what is there (said in one line, with what to do)."""


def quarto_yml() -> str:
    """The website project: its pages and a navigation bar to every page and document."""
    nav = "\n".join(
        f"      - href: {href.replace('.html', '.qmd') if href.replace('.html', '.qmd') in pages.PAGES else href}\n"
        f"        text: {text}"
        for href, text in pages.NAV
    )
    render = "\n".join(f"    - {name}" for name in pages.PAGES)
    return (
        "project:\n  type: website\n  output-dir: _site\n  render:\n" + render + "\n"
        f'website:\n  title: "{SITE_TITLE}"\n  page-navigation: false\n  navbar:\n    left:\n' + nav + "\n"
        "format:\n  html:\n    theme: default\n    css: site.css\n    toc: true\n"
    )


def link_bar(prefix: str, style: str) -> str:
    """Links to every page of the site, for a document `prefix` away from the site's root."""
    links = " · ".join(f'<a href="{prefix}{href}">{text}</a>' for href, text in pages.NAV)
    return f'<nav class="study-site" aria-label="The study" style="{style}">{SITE_TITLE}: {links}</nav>'


def add_links(html: Path, prefix: str, style: str = BAR_STYLE) -> None:
    """Put the link bar at the top of a document's body."""
    text = html.read_text()
    linked, n = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + link_bar(prefix, style), text, count=1)
    if n != 1:
        raise SiteError(f"{html}: no <body> to add the site's links to")
    html.write_text(linked)


def required(out: Path, processed: Path) -> dict[str, object]:
    """The report's facts, after checking that the report made everything the site shows."""
    missing = [out / name for name in DOCUMENTS if not (out / name).is_file()]
    missing += [p for p in [processed / config.FACTS_FILE] if not p.is_file()]
    if missing:
        raise SiteError(
            f"{missing[0]} is missing: the site shows a rendered report; run `make report` with Quarto installed"
            " (see the README, Installing Quarto), then `make site`"
        )
    facts: dict[str, object] = json.loads((processed / config.FACTS_FILE).read_text())
    return facts


def replace_dir(new: Path, target: Path) -> None:
    """Put the folder `new` where `target` is, with one rename over the old one moved aside."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def build(snapshot: Path, quarto: str, command: str) -> Path:
    """Build the site of the report on `snapshot` (already made by `make report`) into `config.site_dir()`."""
    out, processed = config.output_dir(), config.processed_dir(snapshot)
    facts = required(out, processed)
    stage = config.project_root() / "_build-site"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    notebooks = sorted(p.stem for p in (out / "notebooks").glob("*.ipynb"))
    made = stage / "_site"
    releases = os.environ.get("GITHUB_SERVER_URL", ""), os.environ.get("GITHUB_REPOSITORY", "")
    kept = (
        f"as assets of the repository's [releases]({releases[0]}/{releases[1]}/releases), one a snapshot"
        if all(releases)
        else f"in `{shown(snapshot.parent)}/` on the machine that made this site"
    )
    files = downloads.write(processed, snapshot, stage / "downloads")
    ctx = pages.Context(facts, files, notebooks, provenance.code_commit(), command, kept)
    (stage / "_quarto.yml").write_text(quarto_yml())
    (stage / "site.css").write_text(SITE_CSS)
    pages.write(stage, ctx, config.SOURCE_ROOT / "data" / "README.md")
    # The notebooks page links each .ipynb: Quarto warns of a link to a notebook it can find neither beside the
    # pages nor among its outputs, so they are staged first (not rendered: the project lists its pages).
    shutil.copytree(out / "notebooks", stage / "notebooks", ignore=shutil.ignore_patterns("*.html"))
    # A project render empties its output folder first: the downloads, documents and notebooks are added after it.
    subprocess.run([quarto, "render"], cwd=stage, check=True, env={**os.environ, "QUARTO_PYTHON": sys.executable})
    shutil.copytree(stage / "downloads", made / "downloads", dirs_exist_ok=True)
    for name in DOCUMENTS:
        shutil.copy2(out / name, made / name)
    shutil.copytree(stage / "notebooks", made / "notebooks", dirs_exist_ok=True)
    for stem in notebooks:
        notebook_pages.export(out / "notebooks" / f"{stem}.ipynb", made / "notebooks" / f"{stem}.html")
    add_links(made / "paper.html", "")
    add_links(made / "slides.html", "", SLIDES_BAR_STYLE)
    for html in (made / "notebooks").glob("*.html"):
        add_links(html, "../")
    (made / ".nojekyll").touch()  # GitHub Pages serves the files as they are
    # Browsers ask for /favicon.ico of a page that names no icon (the documents): a plain one spares a 404.
    shutil.copy2(Path(__file__).with_name("favicon.ico"), made / "favicon.ico")
    site = config.site_dir()
    site.parent.mkdir(parents=True, exist_ok=True)
    staged = site.with_name(f".{site.name}.new")
    shutil.rmtree(staged, ignore_errors=True)
    made.rename(staged)
    replace_dir(staged, site)
    shutil.rmtree(stage, ignore_errors=True)
    return site


def shown(path: Path) -> str:
    """A path as the pages show it: from the checkout when it is inside."""
    try:
        return str(path.resolve().relative_to(config.project_root()))
    except ValueError:
        return str(path)


def command(snapshot: Path) -> str:
    """The one command that re-renders this site: `make site` on the same snapshots, paths from the checkout."""
    older = config.compare_dir()
    return (
        f"make site SNAPSHOT={shown(snapshot)}"
        + (f" COMPARE={shown(older)}" if older else "")
        + (" ALLOW_INCOMPLETE=1" if config.allow_incomplete() else "")
    )


def publish(snapshot: Path) -> Path:
    """Build the site of the report on `snapshot` with the Quarto `make report` uses; the site's folder."""
    from analysis.report import INSTALL_QUARTO, console, done, find_quarto, step

    quarto = find_quarto(Path(sys.executable))
    if not quarto:
        raise SiteError("Quarto is not installed, and the site is rendered by it. " + " ".join(INSTALL_QUARTO.split()))
    start = step(f"building the site from the report on {snapshot.name}")
    site = build(snapshot.resolve(), quarto, command(snapshot))
    done(start, f"-> {site}")
    console.print(f"Site: {site / 'index.html'}", markup=False)
    return site
