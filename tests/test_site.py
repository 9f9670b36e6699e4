"""The site's parts on small inputs (downloads, pages, links, which snapshot a refresh follows), and the built
`_site/` (or `$MLOPS_SITE_DIR`) in Chromium when there is one. tests/test_refresh.py builds one end to end."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest
import site_check
from conftest import REPO, missing_tool
from snapshots import write_snapshot

from analysis import config, refresh
from analysis.site import SiteError, add_links, downloads, pages, quarto_yml, required
from analysis.site import notebooks as notebook_pages


def test_downloads_hold_each_table_as_parquet_and_csv_with_checksums(tmp_path):
    processed, snapshot = tmp_path / "processed", tmp_path / "snap"
    processed.mkdir()
    snapshot.mkdir()
    (snapshot / "manifest.json").write_text("{}")
    pl.DataFrame({"id": [1, 2], "topics": [["a", "b"], []], "meta": [{"k": 1}, {"k": 2}]}).write_parquet(
        processed / "repos.parquet"
    )
    (processed / "quality.json").write_text("{}")
    made = downloads.write(processed, snapshot, tmp_path / "out")
    assert {d.name for d in made} == {"repos.parquet", "repos.csv", "quality.json", "manifest.json"}
    csv = pl.read_csv(tmp_path / "out" / "repos.csv")
    assert csv["topics"].to_list() == ["a;b", None] or csv["topics"].to_list() == ["a;b", ""]
    assert json.loads(csv["meta"][0]) == {"k": 1}
    sums = (tmp_path / "out" / downloads.CHECKSUMS).read_text().splitlines()
    assert sorted(line.split()[1] for line in sums) == sorted(d.name for d in made)
    assert all(line.split()[0] == downloads.file_sha256(tmp_path / "out" / line.split()[1]) for line in sums)


def facts(**supported: bool) -> dict[str, object]:
    base: dict[str, object] = {
        "n_repos": "44",
        "queries": "topic:mlops",
        "as_of": "2026-12-06",
        "snapshot": "2026-12-06",
        "top_language": "Python",
        "top_language_share": "60%",
        "top1pct_star_share": "40%",
        "growth_summary": "Growth: 10 a year.",
        "lock_sha256": "a" * 64,
        "manifest_sha256": "b" * 64,
        "followup_slide": "No follow-up.",
    }
    return base | {f"{name}_supported": value for name, value in supported.items()}


def test_headlines_only_state_what_the_snapshot_supports():
    assert pages.headlines(facts(profile=False, growth=False)) == [
        "**44 repositories** found by GitHub's search for topic:mlops."
    ]
    said = pages.headlines(facts(profile=True, growth=True))
    assert "Python is the most common language (60%)" in said[1] and said[2] == "Growth: 10 a year."


def test_pages_link_to_each_other_and_reproducibility_names_its_inputs():
    ctx = pages.Context(facts(), [], ["02-eda"], "abc123", "make site SNAPSHOT=data/raw/2026-12-06", "here")
    index = pages.index(ctx)
    for href, _ in pages.NAV[1:]:
        assert f"]({href})" in index, href
    assert "Since the snapshot" not in index
    repro = pages.reproducibility(ctx)
    assert "`abc123`" in repro and "a" * 64 in repro and "b" * 64 in repro
    assert "make site SNAPSHOT=data/raw/2026-12-06" in repro
    nav = quarto_yml()
    assert all(text in nav for _, text in pages.NAV) and "href: index.qmd" in nav and "href: paper.html" in nav


def test_documents_get_the_site_links(tmp_path):
    page = tmp_path / "paper.html"
    page.write_text('<html><body class="x"><p>hi</p></body></html>')
    add_links(page, "../")
    text = page.read_text()
    assert text.index('<body class="x"><nav class="study-site"') and 'href="../reproducibility.html"' in text
    (tmp_path / "broken.html").write_text("<html>no body</html>")
    with pytest.raises(SiteError, match="no <body>"):
        add_links(tmp_path / "broken.html", "")


def test_a_site_without_a_rendered_report_is_refused_in_one_line(tmp_path):
    with pytest.raises(SiteError, match=r"paper.html is missing: .*run `make report` with Quarto installed"):
        required(tmp_path / "out", tmp_path / "processed")


def test_notebook_pages_anchor_labelled_cells():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("#| label: fig-x\n1"), nbformat.v4.new_code_cell("2")]
    assert notebook_pages.labels(nb) == {nb.cells[0].id: "fig-x"}


def test_refresh_follows_the_newest_finished_dated_snapshot_before_today(tmp_path):
    raw = tmp_path / "raw"
    for name in ("2026-11-22", "2026-11-29", "mm-only", "2026-12-06"):
        write_snapshot(raw / name, [("topic:mlops", [], 0)])
    unfinished = json.loads((raw / "2026-11-29" / "manifest.json").read_text()) | {"started_at": "x"}
    unfinished.pop("collected_on")
    (raw / "2026-11-29" / "manifest.json").write_text(json.dumps(unfinished))
    assert refresh.previous_snapshot(raw, "2026-12-06") == raw / "2026-11-22"
    assert refresh.previous_snapshot(raw, "2026-11-22") is None


def built_site() -> Path:
    return Path(os.environ.get(config.SITE_ENV) or REPO / "_site")


@pytest.mark.integration
def test_built_site_reads_right_in_a_browser():
    """The checks of tests/site_check.py on the site `make site` last built here (skipped when there is none)."""
    site = built_site()
    if not (site / "index.html").is_file():
        pytest.skip(f"no built site at {site} (make site builds one)")
    if not site_check.CHROMIUM.exists():
        missing_tool(f"no Chromium at {site_check.CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(site_check.CHROMIUM), args=site_check.ARGS)
        found = site_check.problems(browser, site)
        browser.close()
    assert not found, "\n".join(found[:30])
