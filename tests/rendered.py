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
#: One spelling and one format in every document: a minus sign (U+2212) before a negative number, as the
#: PDF prints it; an en dash between two names; the documents' word for a group, not GitHub's enum value.
CONSISTENCY_RULES = (
    rule("a hyphen-minus as a minus sign (write U+2212)", r"(?<![\w.,/\-])-(?=\d)"),
    rule("'Kaplan-Meier' with a hyphen (two names: an en dash)", r"Kaplan-Meier"),
    rule("GitHub's owner type 'Organization' (the documents say 'organisation')", r"\bOrganization\b"),
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

#: The column's box, and the box of every image and figure in it; a table wider than the box that
#: scrolls it sideways is as wide as that box on the page.
FIGURES_JS = """(column) => {
  const col = document.querySelector(column);
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const shown = e => e.tagName === 'TABLE' && scrolls(e.parentElement) ? e.parentElement : e;
  return {column: box(col), items: [...col.querySelectorAll('img, figure, table')].map(e => ({
    what: `${e.tagName.toLowerCase()} in #${e.closest('[id]')?.id ?? '?'}`, box: box(shown(e))}))};
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


#: Every word in a table cell, with the boxes of the lines it is printed on. Words are cut after a hyphen,
#: slash or dash too: a line may end there without breaking a word. Text in `code` is left out: a checksum
#: is one long token that may break anywhere.
TABLE_WORDS_JS = """(root) => {
  const words = [], word = /[^\\s\\-\\/\u2013\u2014]*[\\-\\/\u2013\u2014]|[^\\s\\-\\/\u2013\u2014]+/g;
  for (const cell of document.querySelector(root).querySelectorAll('td, th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement.closest('code')) continue;
      for (const m of n.textContent.matchAll(word)) {
        const range = document.createRange();
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const lines = [...range.getClientRects()].filter(r => r.width > 0).map(r => [r.left, r.top, r.right, r.bottom]);
        words.push({text: m[0], table: cell.closest('[id]')?.id ?? '?', lines});
      }
    }
  }
  return words;
}"""


def broken_words(words: Iterable[Mapping[str, Any]]) -> list[str]:
    """Words printed over more than one line: their boxes stand one below another, not side by side."""
    found = []
    for word in words:
        boxes = sorted((box(line) for line in word["lines"]), key=lambda b: b.top)
        if any(b.top >= a.top + (a.bottom - a.top) / 2 for a, b in zip(boxes, boxes[1:], strict=False)):
            pieces = len({round(b.top) for b in boxes})
            found.append(f"{word['text']!r} in #{word['table']} is broken over {pieces} lines")
    return found


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
    return len([s for s in SENTENCE_BREAK.split(" ".join(text.split())) if s.strip()])


SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'’”)\]]*\s+(?=[A-Z0-9\"'‘“(\[])")


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


# Floats in the PDF: where each figure and table lands, against the prose around it and its section.

#: A caption's opening words: "Figure 3:", "Table A.2:" (appendix floats carry a letter).
CAPTION = re.compile(r"^(Figure|Table)\s+((?:[A-Z]\.)?\d+):")
#: A citation of a float in prose: "Figure 3", "Table A.2".
FLOAT_CITATION = re.compile(r"\b(Figure|Table)\s+((?:[A-Z]\.)?\d+)\b")
#: How a line that ends a sentence ends: a stop, with closing quotes or brackets after it.
SENTENCE_END = re.compile(r"[.!?:][\"'’”)\]]*$")
LIST_MARKER = re.compile(r"^[•‣–-]\s")
#: A checksum or commit: a run of hex digits no line can break well, so it belongs in a table or code.
HASH = re.compile(r"\b[0-9a-f]{20,}\b")


@dataclass(frozen=True)
class Line:
    """A line of text on a PDF page, classified by what it is part of."""

    page: int
    text: str
    box: Box
    kind: str  # "prose", "heading", "caption" (a caption's lines), or "other" (table cells, code, figure text)

    @property
    def at(self) -> tuple[int, float]:
        """Its place in reading order."""
        return (self.page, self.box.top)


@dataclass(frozen=True)
class Float:
    """A figure or table as printed: its number, and the block (caption, image or table) it occupies."""

    kind: str  # Figure or Table
    number: str  # "3", or "A.2" in the appendix
    page: int
    box: Box
    before: (
        Line | None
    )  # the prose or heading line before it in reading order (on an earlier page if it opens its page)
    after: Line | None  # the prose or heading line just below it on its page, if any
    opens_page: bool  # nothing but floats above it on its page
    closes_page: bool  # nothing but floats below it on its page

    @property
    def name(self) -> str:
        return f"{self.kind} {self.number}"

    @property
    def appendix(self) -> bool:
        return not self.number.isdigit()


def classify_lines(page: int, lines: list[tuple[str, Box, float]], body_size: float) -> list[Line]:
    """Lines given as (text, box, font size) in reading order, each named for what it is part of.

    XX
        apart, less than the space between paragraphs); other text in the body's size is prose, larger text is a
        heading, smaller text is a table's or a figure's."""
    found: list[Line] = []
    for text, box, size in lines:
        previous = found[-1] if found else None
        if CAPTION.match(text):
            kind = "caption"
        elif (
            previous is not None
            and previous.kind == "caption"
            and abs(size - body_size) < 0.5
            and box.top - previous.box.bottom < 0.5 * body_size
        ):
            kind = "caption"
        elif size > body_size + 0.5:
            kind = "heading"
        elif size < body_size - 0.5:
            kind = "other"
        else:
            kind = "prose"
        found.append(Line(page, text, box, kind))
    return found


def page_floats(lines: list[Line], images: list[Box], previous: Line | None = None) -> list[Float]:
    """The floats of one page: each run of captions, images and table lines (no prose or heading between)
    that holds a caption, with the prose or heading line before it in reading order and the one below it.
    `previous` is the last prose or heading line of the pages before (what a float opening the page follows)."""
    items: list[tuple[float, float, Line | None]] = [(line.box.top, line.box.bottom, line) for line in lines]
    items += [(image.top, image.bottom, None) for image in images]
    items.sort(key=lambda item: item[0])
    runs: list[list[tuple[float, float, Line | None]]] = [[]]
    for item in items:
        line = item[2]
        if line is not None and line.kind in ("prose", "heading"):
            runs.append([item])
            runs.append([])
        else:
            runs[-1].append(item)
    floats = []
    for i, run in enumerate(runs):
        captions = [
            line for _, _, line in run if line is not None and line.kind == "caption" and CAPTION.match(line.text)
        ]
        if not captions:
            continue
        above = runs[i - 1][0][2] if i > 0 and runs[i - 1] else None
        below = runs[i + 1][0][2] if i + 1 < len(runs) and runs[i + 1] else None
        box = Box(0, min(top for top, _, _ in run), 0, max(bottom for _, bottom, _ in run))
        for caption in captions:
            match = CAPTION.match(caption.text)
            assert match is not None
            floats.append(
                Float(
                    match.group(1),
                    match.group(2),
                    caption.page,
                    box,
                    above or previous,
                    below,
                    opens_page=above is None,
                    closes_page=below is None,
                )
            )
    return floats


def last_text_line(lines: list[Line], previous: Line | None) -> Line | None:
    """The last prose or heading line of a page, else `previous` (the last one of the pages before)."""
    text = [line for line in lines if line.kind in ("prose", "heading")]
    return text[-1] if text else previous


def ends_a_sentence_or_paragraph(line: Line, right: float, body_size: float) -> bool:
    """Whether a line ends a sentence, or a paragraph (justified prose is short only on its last line);
    a heading ends its own paragraph."""
    return (
        line.kind == "heading" or bool(SENTENCE_END.search(line.text.rstrip())) or line.box.x1 < right - 2 * body_size
    )


def interrupting_floats(floats: list[Float], right: float, body_size: float) -> list[str]:
    """Floats set inside a sentence or a list: after text, in reading order, that does not end a sentence or a
    paragraph (a float that opens a page follows the last line of the page before), or before a list item."""
    problems = []
    for f in floats:
        if f.before is not None and not ends_a_sentence_or_paragraph(f.before, right, body_size):
            where = "on the page before" if f.before.page != f.page else "above it"
            problems.append(f"page {f.page}: {f.name} cuts a sentence: the text {where} ends {f.before.text[-50:]!r}")
        elif f.after is not None and f.after.kind == "prose" and LIST_MARKER.match(f.after.text):
            problems.append(f"page {f.page}: {f.name} cuts a list: the item {f.after.text[:50]!r} follows it")
    return problems


def first_citations(lines: list[Line]) -> dict[str, tuple[int, float]]:
    """Where each float is first cited in the prose (captions and tables do not cite), by name."""
    prose = [line for line in lines if line.kind == "prose"]
    first: dict[str, tuple[int, float]] = {}
    for line, following in zip(prose, prose[1:] + [None], strict=False):
        # A citation may break over two lines ("Figure" at one's end, "3" at the next's start).
        text = line.text + (" " + following.text.split(" ", 1)[0] if following is not None else "")
        for m in FLOAT_CITATION.finditer(text):
            if m.start() < len(line.text):
                first.setdefault(f"{m.group(1)} {m.group(2)}", line.at)
    return first


def misnumbered_floats(floats: list[Float], cited: dict[str, tuple[int, float]]) -> list[str]:
    """Floats not cited, or not numbered in the order of their first citation (figures and tables, main text
    and appendix, each numbered apart)."""
    problems = [f"{f.name} (page {f.page}) is never cited in the text" for f in floats if f.name not in cited]
    series: dict[tuple[str, str], list[Float]] = {}
    for f in floats:
        if f.name in cited:
            series.setdefault((f.kind, f.number.rpartition(".")[0]), []).append(f)
    for (kind, prefix), members in series.items():
        by_citation = [f.number for f in sorted(members, key=lambda f: cited[f.name])]
        by_number = [f.number for f in sorted(members, key=lambda f: int(f.number.rpartition(".")[2]))]
        if by_citation != by_number:
            where = f"{prefix}." if prefix else ""
            problems.append(
                f"{kind} {where}n are numbered {', '.join(by_number)} but first cited in the order"
                f" {', '.join(by_citation)}"
            )
    return problems


def floats_outside_their_section(
    floats: list[Float], cited: dict[str, tuple[int, float]], headings: list[tuple[str, int, float]]
) -> list[str]:
    """Main-text floats that lie outside the section that first cites them: a float belongs between its
    section's heading and the next heading, or at the top or the bottom of a page where its section is.
    `headings` are (title, page, top) in reading order. Appendix floats are away from their citations by design."""
    problems = []
    for f in floats:
        if f.appendix or f.name not in cited:
            continue
        starts = [(page, top) for _, page, top in headings]
        index = max((i for i, start in enumerate(starts) if start <= cited[f.name]), default=None)
        if index is None:
            continue
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else (10**9, 0.0)
        inside = (
            start[0] <= f.page <= end[0]
            and (f.page > start[0] or f.box.top >= start[1] or f.opens_page)
            and (f.page < end[0] or f.box.bottom <= end[1] or f.closes_page)
        )
        if not inside:
            problems.append(
                f"page {f.page}: {f.name} lies outside its section {headings[index][0]!r}"
                f" (pages {start[0]} to {end[0]}), which first cites it"
            )
    return problems


def body_size(chars: Iterable[Mapping[str, Any]]) -> float:
    """The font size most characters are set in: the body text's."""
    sizes: dict[float, int] = {}
    for c in chars:
        if c["text"].strip():
            size = round(float(c["size"]), 1)
            sizes[size] = sizes.get(size, 0) + 1
    return max(sizes, key=lambda s: sizes[s])


def page_lines(page: Any, area: Box, size: float, tolerance: float = 3.0) -> list[Line]:
    """A pdfplumber page's lines of text inside its text area (not the page number), classified."""
    raw = []
    for line in page.extract_text_lines(return_chars=True):
        box = Box.of(line)
        if area.sticks_out(box) > tolerance:
            continue
        sizes = sorted(float(c["size"]) for c in line["chars"] if c["text"].strip())
        raw.append((line["text"], box, sizes[len(sizes) // 2] if sizes else size))
    return classify_lines(page.page_number, raw, size)


def hashes_in_prose(lines: list[Line]) -> list[str]:
    """Prose lines (justified body text, references included) that hold a checksum or a commit."""
    return [
        f"page {line.page}: {m.group(0)[:12]}... in the prose line {line.text[:60]!r}"
        for line in lines
        if line.kind == "prose"
        for m in HASH.finditer(line.text)
    ]
