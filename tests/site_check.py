"""Reading a built site in Chromium as a reader would, for tests/test_site.py and tests/test_refresh.py.

The site is served over HTTP on 127.0.0.1 (as GitHub Pages serves it; Quarto's search loads its index with
`fetch`, which a `file://` page may not). Every page is opened: each internal link must name a file of the
site (and, with a `#fragment`, an element of that page), every image must load, and the console must stay
free of errors. The landing page must fit 1280 and 400 px without horizontal scrolling.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

WIDTHS = (1280, 400)
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu"]


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def served(site: Path) -> Iterator[str]:
    """The site's root URL, served from a thread for as long as the block lasts."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def target(site: Path, root: str, href: str) -> Path | None:
    """The file an internal link names (a folder means its index.html); None for an external link."""
    if not href.startswith(root):
        return None
    path = site / unquote(urlsplit(href).path).lstrip("/")
    return path / "index.html" if path.is_dir() else path


def broken_link(site: Path, root: str, href: str, ids: dict[Path, set[str]]) -> str | None:
    """What is wrong with an internal link, or None; `ids` holds each page's element ids as the browser saw them."""
    path = target(site, root, href)
    if path is None:
        return None
    if not path.is_file():
        return f"{href}: no such file in the site"
    # As a browser looks for the element: by the fragment as written, then percent-decoded. reveal.js
    # navigates by `#/slide`; those are states, not elements.
    fragment = urlsplit(href).fragment
    known = ids.get(path, set())
    if (
        fragment
        and not fragment.startswith("/")
        and path.suffix == ".html"
        and not {fragment, unquote(fragment)} & known
    ):
        return f"{href}: no element with id {unquote(fragment)!r}"
    return None


def open_page(browser: Any, site: Path, root: str, page_path: Path) -> tuple[list[str], list[str], set[str]]:
    """One page at 1280 px: its problems (console errors, failed requests, images), its links and element ids."""
    found: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: found.append(f"console error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: found.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: found.append(f"request failed: {r.url[:120]}"))
    page.on("response", lambda r: found.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(root + page_path.relative_to(site).as_posix(), wait_until="networkidle")
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    # reveal.js loads a slide's images when the slide is shown: an image not loaded yet must have a `data-src`
    # that is inline or names a file of the site.
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.currentSrc || e.src, e.naturalWidth, e.getAttribute('data-src') || ''])"
    )
    for src, natural, lazy in images:
        later = lazy.startswith("data:") or (lazy and (page_path.parent / unquote(lazy)).is_file())
        if not natural and not later:
            found.append(f"image does not load: {(src or lazy)[:120]}")
    page.close()
    return found, links, ids


def landing(browser: Any, root: str, width: int, shot: Path | None = None) -> list[str]:
    """Problems of the landing page at `width` px: horizontal scrolling; a screenshot if asked."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(root + "index.html", wait_until="networkidle")
    scroll, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if shot is not None:
        page.screenshot(path=str(shot), full_page=True)
    page.close()
    return [f"index.html at {width} px scrolls sideways ({scroll} px wide)"] if scroll > view else []


def problems(browser: Any, site: Path, shots: Path | None = None) -> list[str]:
    """Everything wrong with the site as a reader meets it; screenshots of the landing page into `shots`."""
    found: list[str] = []
    links: dict[Path, list[str]] = {}
    ids: dict[Path, set[str]] = {}
    with served(site) as root:
        for page_path in sorted(site.rglob("*.html")):
            seen, links[page_path], ids[page_path] = open_page(browser, site, root, page_path)
            found += [f"{page_path.relative_to(site)}: {p}" for p in seen]
        for page_path, hrefs in links.items():
            broken = (broken_link(site, root, href, ids) for href in dict.fromkeys(hrefs))
            found += [f"{page_path.relative_to(site)}: {b}" for b in broken if b]
        for width in WIDTHS:
            found += landing(browser, root, width, shots / f"index-{width}.png" if shots else None)
    return found
