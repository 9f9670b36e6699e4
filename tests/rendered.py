"""Reading and judging the rendered paper and slides, for tests/test_rendered.py.

Boxes are (x0, top, x1, bottom) with y growing downwards, as pdfplumber and the browser
both report them, so one `Box` serves PDF points and CSS pixels alike. The judging
functions are pure, so the trickier ones are tested on small made-up inputs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis import report

#: `RENDER_CHECKS=required` (CI) turns "nothing rendered to check" from a skip into a failure.
REQUIRED_ENV = "RENDER_CHECKS"
OUTPUTS = ("paper.pdf", "paper.html", "slides.html")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
POINTS_PER = {"pt": 1.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4}
#: Quarto's Typst template sets `margin: (x: 1.25in, y: 1.25in)` unless the document sets `margin`
#: (formats/typst/pandoc/quarto/page.typ), so that, not Typst's own 2.5/21 of the short side, is the default.
QUARTO_TYPST_MARGIN = "1.25in"


def required() -> bool:
    return os.environ.get(REQUIRED_ENV, "") == "required" or bool(os.environ.get("CI"))


def sources(root: Path) -> list[Path]:
    """What the rendered documents are made from: they are stale when any of it is newer."""
    staged = [root / name for name in report.STAGED_SOURCES if (root / name).exists()]
    return staged + sorted((root / "notebooks").glob("*.ipynb")) + sorted((root / "analysis").glob("*.py"))


def unavailable(out: Path, root: Path) -> str | None:
    """Why the rendered outputs in `out` cannot be checked (missing or stale), or None."""
    missing = [name for name in OUTPUTS if not (out / name).is_file()]
    if missing:
        return (
            f"no rendered {', '.join(missing)} in {out}: run `make report` with Quarto installed"
            " (see README, Installing Quarto)"
        )
    oldest = min((out / name for name in OUTPUTS), key=lambda p: p.stat().st_mtime)
    newer = [p for p in sources(root) if p.stat().st_mtime > oldest.stat().st_mtime]
    if newer:
        return (
            f"{oldest.name} is older than {len(newer)} of its sources (e.g. {newer[0].relative_to(root)}):"
            " run `make report` again"
        )
    return None


@dataclass(frozen=True)
class Box:
    x0: float
    top: float
    x1: float
    bottom: float

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> Box:
        """The box of a pdfplumber object (word, char, image, line)."""
        return cls(item["x0"], item["top"], item["x1"], item["bottom"])

    @property
    def area(self) -> float:
        return max(0.0, self.x1 - self.x0) * max(0.0, self.bottom - self.top)

    def overlap(self, other: Box) -> float:
        """The shared area as a fraction of the smaller box (0 when they do not touch)."""
        shared = Box(
            max(self.x0, other.x0), max(self.top, other.top), min(self.x1, other.x1), min(self.bottom, other.bottom)
        )
        if shared.x1 <= shared.x0 or shared.bottom <= shared.top:
            return 0.0
        return shared.area / max(min(self.area, other.area), 1e-9)

    def sticks_out(self, inner: Box) -> float:
        """How far `inner` reaches past this box on its worst side (<= 0: it lies inside)."""
        return max(self.x0 - inner.x0, inner.x1 - self.x1, self.top - inner.top, inner.bottom - self.bottom)

    def __str__(self) -> str:
        return f"({self.x0:.0f}, {self.top:.0f})-({self.x1:.0f}, {self.bottom:.0f})"


def points(length: str | float) -> float:
    """A Typst length such as `1in`, `2.5cm`, `20mm` or `72pt` in points."""
    match = re.fullmatch(r"\s*([\d.]+)\s*(pt|in|cm|mm)\s*", str(length))
    if not match:
        raise ValueError(f"not a length this check understands: {length!r}")
    return float(match.group(1)) * POINTS_PER[match.group(2)]


def text_area(width: float, height: float, margin: Mapping[str, str] | None) -> Box:
    """The page minus its margins. `margin` is the typst format's option, e.g. {x: 1in, y: 1in}."""
    margin = margin or {"x": QUARTO_TYPST_MARGIN, "y": QUARTO_TYPST_MARGIN}
    default = margin.get("rest", QUARTO_TYPST_MARGIN)

    def side(name: str, axis: str) -> float:
        return points(margin.get(name, margin.get(axis, default)))

    return Box(side("left", "x"), side("top", "y"), width - side("right", "x"), height - side("bottom", "y"))


@dataclass(frozen=True)
class Mark:
    """Something printed: a word, a character or an image, with what it says and where."""

    text: str
    box: Box


@dataclass
class Page:
    number: int
    area: Box
    words: list[Mark]  # as drawn (text flow order), without the page number in the footer
    chars: list[Mark]  # every character, spaces too (so that text over an image reads as words)
    images: list[Mark]
    drawings: list[Box]  # lines, rectangles and curves: table rules

    @property
    def content(self) -> list[Box]:
        return [m.box for m in self.words + self.images] + self.drawings

    def first_line(self) -> str:
        if not self.words:
            return ""
        top = min(w.box.top for w in self.words)
        line = sorted((w for w in self.words if w.box.top < top + 2), key=lambda w: w.box.x0)
        return " ".join(w.text for w in line)


def read_page(page: Any, area: Box) -> Page:
    """The marks of a pdfplumber page that the layout checks look at."""
    number = page.page_number
    words = [Mark(w["text"], Box.of(w)) for w in page.extract_words(use_text_flow=True)]
    footer = [w for w in words if w.text == str(number) and area.sticks_out(w.box) > 0]
    images = [Mark(f"image of {i['srcsize'][0]}x{i['srcsize'][1]} px", Box.of(i)) for i in page.images]
    return Page(
        number,
        area,
        words=[w for w in words if w not in footer],
        chars=[Mark(c["text"], Box.of(c)) for c in page.chars],
        images=images,
        drawings=[Box.of(d) for d in page.lines + page.rects + page.curves],
    )


def outside(marks: Iterable[Mark], area: Box, tolerance: float) -> list[str]:
    """Marks that reach more than `tolerance` past the area (punctuation may hang ~2 pt into the margin)."""
    return [
        f"{m.text!r} at {m.box} reaches {area.sticks_out(m.box):.0f} past the text area {area}"
        for m in marks
        if area.sticks_out(m.box) > tolerance
    ]


def overprinted(words: list[Mark], min_overlap: float = 0.3) -> list[tuple[Mark, Mark]]:
    """Pairs of words whose boxes share more than `min_overlap` of the smaller one: printed on top of each other."""
    ordered = sorted(words, key=lambda w: w.box.x0)
    pairs = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.box.x0 >= a.box.x1:
                break
            if a.box.overlap(b.box) > min_overlap:
                pairs.append((a, b))
    return pairs


def text_over_images(chars: list[Mark], images: list[Mark], tolerance: float = 0.5) -> list[tuple[str, Mark]]:
    """(text, image) for characters printed inside an image's box: the figures are PNGs, so any is a clash."""
    found = []
    for image in images:
        inside = [c.text for c in chars if image.box.sticks_out(c.box) <= -tolerance]
        if "".join(inside).strip():
            found.append((" ".join("".join(inside).split()), image))
    return found


FIGURE_CAPTION = re.compile(r"^(Figure|Table)\s+\d+:")


def starts_with_figure(page: Page) -> bool:
    """Whether the page opens with an image, or with a figure's or table's caption."""
    if not page.content:
        return False
    top = min(b.top for b in page.content)
    return any(i.box.top <= top + 1 for i in page.images) or bool(FIGURE_CAPTION.match(page.first_line()))


def ends_early(page: Page) -> bool:
    """Whether the page's content stops above the middle of its text area (the rest left blank)."""
    bottom = max((b.bottom for b in page.content), default=page.area.top)
    return bottom < page.area.top + (page.area.bottom - page.area.top) / 2


def pushed_figures(pages: list[Page]) -> list[str]:
    """Pages left mostly blank because the figure that follows did not fit on them."""
    return [
        f"page {page.number} ends above the middle of its text area: the figure or table that opens"
        f" page {after.number} ({after.first_line()[:60]!r}) did not fit below it"
        for page, after in zip(pages, pages[1:], strict=False)
        if ends_early(page) and starts_with_figure(after)
    ]


@dataclass(frozen=True)
class Heading:
    """A heading, the one after it, and whether anything stands between the two."""

    where: str
    level: int
    text: str
    next_level: int | None = None
    next_text: str = ""
    content_before_next: bool = True


def empty_headings(headings: list[Heading]) -> list[str]:
    """Headings with no text, or directly followed by a heading of the same or a higher level."""
    problems = []
    for h in headings:
        if not h.text.strip():
            problems.append(f"{h.where}: an h{h.level} heading with no text")
        elif h.next_level is not None and h.next_level <= h.level and not h.content_before_next:
            problems.append(
                f"{h.where}: heading {h.text!r} (level {h.level}) is empty: nothing stands before"
                f" the next heading {h.next_text!r} (level {h.next_level})"
            )
    return problems


def outline_headings(outline: list[tuple[int, str, int, float]], pages: list[Page]) -> list[Heading]:
    """Headings from the PDF's bookmarks, as (level, title, page index, top), with what lies between them.

    A bookmark points a little above its heading, so the marks between one bookmark and the
    next are the heading itself and whatever follows it.
    """

    def between(start: tuple[int, float], end: tuple[int, float]) -> list[Mark]:
        return [m for i, page in enumerate(pages) for m in page.words + page.images if start <= (i, m.box.top) < end]

    headings = []
    for (level, title, page, top), following in zip(outline, outline[1:] + [None], strict=False):
        if following is None:
            headings.append(Heading(f"page {page + 1}", level, title))
            continue
        marks = between((page, top), (following[2], following[3]))
        text = "".join("".join(m.text for m in marks).split())
        headings.append(
            Heading(
                f"page {page + 1}",
                level,
                title,
                following[0],
                following[1],
                content_before_next=text != "".join(title.split()),
            )
        )
    return headings


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]


def rule(name: str, pattern: str) -> Rule:
    return Rule(name, re.compile(pattern))


#: Text no document should show: markdown or Quarto syntax that was not rendered, placeholders, broken refs.
TEXT_RULES = (
    rule("a literal backtick", r"`"),
    rule("leftover markdown `**`", r"\*\*"),
    rule("a leftover markdown link `](`", r"\]\("),
    rule("unevaluated inline code `{python}`", r"\{python\}"),
    rule("a leftover shortcode `{{<`", r"\{\{<"),
    rule("a metadata key Quarto did not find `?meta`", r"\?meta"),
    rule("a leftover div fence `:::`", r":::"),
    rule("a leftover cell option `#|`", r"#\|"),
    rule("the placeholder 'not measured'", r"(?i)\bnot measured\b"),
    rule("the placeholder 'n/a'", r"(?i)(?<!\w)n/a(?!\w)"),
    rule("a TODO", r"(?i)\btodo\b"),
    rule("an unresolved reference `?@`", r"\?@"),
    rule("an unresolved reference `??`", r"\?\?"),
)
#: Typst has no emoji font here, so emoji print as empty boxes.
EMOJI = rule("an emoji (Typst prints a box)", "[\U0001f000-\U0001faff\u2600-\u27bf\u2b50-\u2b55\ufe0f]")
#: A slide shows a figure with its caption; the paper's "Figure N:" numbering means nothing there.
FIGURE_PREFIX = rule("a 'Figure N:' caption prefix", r"\bFigure\s+\d+\s*:")


@dataclass(frozen=True)
class Finding:
    """A rule the text breaks: how often, and the first place (offset, and the text around it)."""

    rule: str
    count: int
    offset: int
    context: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.count}x), first in {self.context!r}"


def text_problems(text: str, rules: Iterable[Rule]) -> list[Finding]:
    found = []
    for r in rules:
        matches = list(r.pattern.finditer(text))
        if matches:
            first = matches[0]
            context = " ".join(text[max(0, first.start() - 40) : first.end() + 40].split())
            found.append(Finding(r.name, len(matches), first.start(), context))
    return found


def pdf_text(page: Any) -> str:
    """A PDF page's text with line-end hyphenation undone, so that words split over lines still match."""
    return re.sub(r"-\n", "", page.extract_text()).replace("\n", " ")


def section_at(text: str, headings: list[str], offset: int) -> str:
    """The last heading that comes before `offset` in `text`, to say where a problem is."""
    current, position = "the title block", 0
    for heading in filter(None, headings):
        found = text.find(heading, position)
        if found < 0:
            continue
        if found > offset:
            break
        current, position = heading, found + len(heading)
    return f"section {current!r}"


# In the browser. Each script returns plain data (boxes as [left, top, right, bottom] in CSS px);
# the judging stays in Python, with the functions above.

#: Every heading under `root`, the heading after it, and whether text or media stands between them
#: (speaker notes, styles and scripts do not count: nobody sees them).
HEADINGS_JS = """(root) => {
  const headings = [...document.querySelector(root).querySelectorAll('h1, h2, h3, h4, h5, h6')];
  const level = h => Number(h.tagName[1]);
  return headings.map((h, i) => {
    const next = headings[i + 1];
    let content = true;
    if (next) {
      const range = document.createRange();
      range.setStartAfter(h);
      range.setEndBefore(next);
      const between = range.cloneContents();
      between.querySelectorAll('aside.notes, style, script').forEach(e => e.remove());
      content = between.textContent.trim() !== ''
        || between.querySelector('img, svg, table, figure, pre, iframe, video, canvas') !== null;
    }
    return {where: h.closest('section[id]')?.id ?? '', level: level(h), text: h.textContent.trim(),
            next_level: next ? level(next) : null, next_text: next ? next.textContent.trim() : '',
            content_before_next: content};
  });
}"""

OVERFLOW_JS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"

#: The column's box, and the box of every image and figure in it.
FIGURES_JS = """(column) => {
  const col = document.querySelector(column);
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {column: box(col), items: [...col.querySelectorAll('img, figure, table')].map(e => ({
    what: `${e.tagName.toLowerCase()} in #${e.closest('[id]')?.id ?? '?'}`, box: box(e)}))};
}"""

#: Show slide i with all its fragments, then measure what it shows: the glyphs of every text node
#: (marked when they are the title's) and the box of every image, table or other embedded element; for
#: images also the box of the ancestors that clip them (overflow not visible), and whether they loaded; its
#: kind (the title slide, a section's slide or a content slide), its bullets, its text and notes.
SLIDE_JS = """(i) => {
  const slide = Reveal.getSlides()[i];
  const where = Reveal.getIndices(slide);
  Reveal.slide(where.h, where.v);
  while (Reveal.nextFragment()) {}
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const textOf = (root, skip) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.textContent.trim() && !n.parentElement.closest(skip)) nodes.push(n);
    }
    return nodes;
  };
  const block = e => {
    while (e.parentElement && getComputedStyle(e).display.startsWith('inline')) e = e.parentElement;
    return e;
  };
  const marks = [];
  for (const node of textOf(slide, 'aside.notes, style, script')) {
    if (!shown(node.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    // Across, the glyphs; up and down, the lines of their block: a font's ascent can exceed its line height.
    const r = range.getBoundingClientRect(), lines = box(block(node.parentElement));
    marks.push({what: `text '${node.textContent.trim().slice(0, 50)}'`, title: !!node.parentElement.closest('h1, h2'),
                box: [r.left, Math.max(r.top, lines[1]), r.right, Math.min(r.bottom, lines[3])]});
  }
  const describe = e => `${e.tagName.toLowerCase()} in #${e.closest('[id]')?.id ?? '?'}`;
  // An image fitted with `object-fit: contain` is drawn centred in its box, as large as fits: that is its mark.
  const drawn = e => {
    const b = box(e);
    if (e.tagName !== 'IMG' || getComputedStyle(e).objectFit !== 'contain' || !e.naturalWidth) return b;
    const k = Math.min((b[2] - b[0]) / e.naturalWidth, (b[3] - b[1]) / e.naturalHeight);
    const dx = (b[2] - b[0] - k * e.naturalWidth) / 2, dy = (b[3] - b[1] - k * e.naturalHeight) / 2;
    return [b[0] + dx, b[1] + dy, b[2] - dx, b[3] - dy];
  };
  for (const e of slide.querySelectorAll('img, svg, video, canvas, iframe, table')) {
    if (shown(e)) marks.push({what: describe(e), title: false, box: drawn(e)});
  }
  const images = [...slide.querySelectorAll('img')].filter(shown).map(img => {
    let clip = null;
    for (let a = img.parentElement; a && a !== slide.parentElement; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const b = box(a);
      clip = clip ? [Math.max(clip[0], b[0]), Math.max(clip[1], b[1]),
                     Math.min(clip[2], b[2]), Math.min(clip[3], b[3])] : b;
    }
    return {what: describe(img), box: box(img), clip, loaded: img.complete && img.naturalWidth > 0};
  });
  const notes = [...slide.querySelectorAll('aside.notes')]
    .map(n => textOf(n, 'style, script').map(t => t.textContent).join('')).join('\\n');
  const heading = slide.querySelector('h1, h2');
  const bullets = [...slide.querySelectorAll('li')].filter(li => !li.closest('aside.notes') && shown(li)).length;
  return {h: where.h, v: where.v ?? 0, title: heading?.textContent.trim() ?? '',
          kind: slide.id === 'title-slide' ? 'title' : heading?.tagName === 'H2' ? 'content' : 'section',
          title_box: heading ? box(heading) : null,
          slide_box: box(document.querySelector('.reveal .slides')), scale: Reveal.getScale(),
          marks, images, bullets, text: slide.innerText, notes};
}"""


def box(rect: list[float]) -> Box:
    """A browser rect [left, top, right, bottom] as a Box."""
    return Box(*rect)


@dataclass(frozen=True)
class Slide:
    """What one slide shows, measured in the browser with all its fragments visible."""

    number: int
    data: dict[str, Any]

    def __str__(self) -> str:
        return f"slide {self.number} ({self.data['h']}.{self.data['v']}, {self.data['title']!r})"

    def outside(self, tolerance: float) -> list[str]:
        """Marks reaching past the 1600x900 slide box, in slide pixels (the deck is scaled to the window)."""
        frame, scale = box(self.data["slide_box"]), self.data["scale"]
        return [
            f"{self}: {m['what']} reaches {frame.sticks_out(box(m['box'])) / scale:.0f} px past the slide"
            for m in self.data["marks"]
            if frame.sticks_out(box(m["box"])) / scale > tolerance
        ]

    def clipped_images(self, tolerance: float) -> list[str]:
        problems = []
        for image in self.data["images"]:
            if not image["loaded"]:
                problems.append(f"{self}: {image['what']} did not load")
            elif image["clip"] and box(image["clip"]).sticks_out(box(image["box"])) > tolerance:
                problems.append(
                    f"{self}: {image['what']} is clipped by an enclosing box by"
                    f" {box(image['clip']).sticks_out(box(image['box'])):.0f} px"
                )
        return problems

    @property
    def content(self) -> bool:
        """A slide under a `##` title: not the title slide, nor a section's divider."""
        return self.data["kind"] == "content"

    def filled(self) -> float:
        """How much of the slide below its title the body's bounding box covers (0 to 1): a figure or
        text that leaves most of the slide blank reads as a slide half made."""
        frame = box(self.data["slide_box"])
        top = box(self.data["title_box"]).bottom if self.data["title_box"] else frame.top
        body = [box(m["box"]) for m in self.data["marks"] if not m["title"]]
        if not body:
            return 0.0
        covered = Box(
            min(b.x0 for b in body), min(b.top for b in body), max(b.x1 for b in body), max(b.bottom for b in body)
        )
        return covered.area / max(Box(frame.x0, top, frame.x1, frame.bottom).area, 1e-9)


def sentences(text: str) -> int:
    """How many sentences a text holds: a stop (. ! ?) that ends the text or is followed by a space and a
    capital or a digit ends one; "0.63" and "isabelizimm/mlops-metaanalysis." inside a sentence do not."""
    return len([s for s in SENTENCE_END.split(" ".join(text.split())) if s.strip()])


SENTENCE_END = re.compile(r"(?<=[.!?])[\"'’”)\]]*\s+(?=[A-Z0-9\"'‘“(\[])")


def duplicate_titles(slides: list[Slide]) -> list[str]:
    """Slides whose title another slide already has: each slide says something of its own."""
    seen: dict[str, Slide] = {}
    problems = []
    for s in slides:
        if s.data["title"] in seen:
            problems.append(f"{s} has the title of {seen[s.data['title']]}")
        seen.setdefault(s.data["title"], s)
    return problems


def walk_slides(page: Any) -> list[Slide]:
    """Every slide of a loaded reveal.js deck, shown in turn without transitions."""
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
    page.evaluate("() => Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
    count = page.evaluate("() => Reveal.getSlides().length")
    return [Slide(i + 1, page.evaluate(SLIDE_JS, i)) for i in range(count)]


def pdf_outline(path: Path) -> list[tuple[int, str, int, float]]:
    """The PDF's bookmarks as (level from 1, title, page index, top of the target in points)."""
    import pypdfium2

    outline = []
    document = pypdfium2.PdfDocument(path)
    try:
        for bookmark in document.get_toc():
            dest = bookmark.get_dest()
            if dest is None:
                continue
            page = dest.get_index()
            _, view = dest.get_view()
            top = document[page].get_height() - view[1] if len(view) > 1 else 0.0
            outline.append((bookmark.level + 1, bookmark.get_title(), page, top))
    finally:
        document.close()
    return outline
