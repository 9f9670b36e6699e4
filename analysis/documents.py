"""Static reading of the Quarto sources: front matter, embeds and cross-references.

Used by `make report` to fail early, before Quarto runs, and by the tests, which
cannot run Quarto on machines where it is not installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from analysis import metadata

EMBED = re.compile(r"\{\{<\s*embed\s+([^#\s>]+)#([^\s>]+)(?:\s+[^>]*)?>\}\}")
CROSSREF = re.compile(r"(?<![\w@])@((?:fig|tbl)-[A-Za-z0-9_-]+)")
SECTION_REF = re.compile(r"(?<![\w@])@(sec-[A-Za-z0-9_-]+)")
SECTION_ANCHOR = re.compile(r"\{#(sec-[A-Za-z0-9_-]+)[^}]*\}")
#: Pandoc citation keys: @key or [@key], where key is not a Quarto cross-reference.
CITATION = re.compile(r"(?<![\w@`])@([A-Za-z][\w:-]*[A-Za-z0-9])")
CROSSREF_PREFIXES = ("fig-", "tbl-", "sec-", "eq-", "lst-")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
HEADING = re.compile(r"^(#{1,2}) (.+?)(?:\s+\{[^}]*\})?$", re.M)
DOCUMENTS = ("paper.qmd", "slides.qmd")
#: A Quarto shortcode naming one fact: `{{< meta name >}}` (`analysis.metadata` writes the facts as metadata).
INLINE = re.compile(r"\{\{<\s*meta\s+(\w+)\s*>\}\}")
#: A div or span Quarto shows or hides by a switch of `analysis.metadata.conditions` (`supports-<name>`, ...).
CONDITION = re.compile(r'^:::+\s*\{\.content-(visible|hidden) when-meta="([\w-]+)"\}\s*$')
CONDITIONAL_SPAN = re.compile(r'\[([^\[\]]*)\]\{\.content-(visible|hidden) when-meta="([\w-]+)"\}')
FENCE_OPEN = re.compile(r"^:::+\s*\S")
FENCE_CLOSE = re.compile(r"^:::+\s*$")


@dataclass(frozen=True)
class Embed:
    notebook: str  # path relative to the document
    label: str


@dataclass(frozen=True)
class Document:
    path: Path
    front_matter: dict[str, Any]
    body: str

    @property
    def embeds(self) -> list[Embed]:
        return [Embed(nb, label) for nb, labels in EMBED.findall(self.body) for label in labels.split(",")]

    @property
    def crossrefs(self) -> set[str]:
        return set(CROSSREF.findall(self.body))

    @property
    def prose(self) -> str:
        """The body without code blocks and inline code, where @ means something else."""
        return CODE.sub(" ", self.body)

    @property
    def citations(self) -> set[str]:
        return {k for k in CITATION.findall(self.prose) if not k.startswith(CROSSREF_PREFIXES)}

    @property
    def section_refs(self) -> set[str]:
        return set(SECTION_REF.findall(self.body))

    @property
    def section_anchors(self) -> set[str]:
        return set(SECTION_ANCHOR.findall(self.body))

    @property
    def inline_names(self) -> set[str]:
        return set(INLINE.findall(self.body))

    def shown(self, facts: dict[str, Any]) -> Document:
        """The document as Quarto shows it for these facts: each `when-meta` div or span kept or dropped by its
        switch (`supports-<name>` by the fact `<name>_supported`, ...), as Quarto does with `analysis.metadata`."""
        switches = metadata.conditions(facts)

        def holds(kind: str, name: str) -> bool:
            return switches.get(name, False) == (kind == "visible")

        body = CONDITIONAL_SPAN.sub(lambda m: m.group(1) if holds(m.group(2), m.group(3)) else "", self.body)
        kept: list[str] = []
        open_divs: list[tuple[bool, bool]] = []  # (shown, conditional) for each div open at this line
        for line in body.splitlines(keepends=True):
            visible = all(show for show, _ in open_divs)
            if condition := CONDITION.match(line):
                open_divs.append((holds(*condition.groups()), True))
                continue
            if FENCE_CLOSE.match(line) and open_divs:
                _, conditional = open_divs.pop()
                if visible and not conditional:
                    kept.append(line)
                continue
            if FENCE_OPEN.match(line):
                open_divs.append((True, False))
            if visible:
                kept.append(line)
        return replace(self, body="".join(kept))

    def slides(self) -> list[tuple[int, str, str]]:
        """(heading level, title, body) for each section (#) and slide (##) heading."""
        body = CODE.sub(lambda m: re.sub(r"^#", "", m.group(0), flags=re.M), self.body)
        found = list(HEADING.finditer(body))
        return [
            (len(m.group(1)), m.group(2).strip(), body[m.end() : found[i + 1].start() if i + 1 < len(found) else None])
            for i, m in enumerate(found)
        ]


def read(path: Path) -> Document:
    """Split a .qmd into its YAML front matter (must be a mapping) and its body."""
    text = path.read_text()
    if not text.startswith("---\n"):
        raise ValueError(f"{path}: no YAML front matter (the file must start with '---')")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ValueError(f"{path}: front matter is not closed by a '---' line")
    meta = yaml.safe_load(text[4:end])
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: front matter is not a YAML mapping")
    return Document(path=path, front_matter=meta, body=text[end + 5 :])


def inline(text: str, facts: dict[str, Any]) -> str:
    """A document with each plain fact's text in place of its `{{< meta name >}}`, as Quarto puts it there.

    Pandoc reads these shortcodes slowly: the paper, with 108 of them, took 2.0 s to parse, 0.4 s with them
    replaced, and Quarto parses a document more than once (its PDF rendered in 8.0 CPU-s instead of 11.7, with the
    same text). The text is the metadata's (`metadata.plain`: escaped, so it reads as written). Left as shortcodes:
    those in code, where the escapes would show, and the Markdown facts, which are whole paragraphs. The metadata
    file is written all the same, for the `when-meta` switches and the shortcodes left.
    """
    values = metadata.metadata(facts)

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return value if isinstance(value, str) and match.group(1) not in metadata.MARKDOWN_FACTS else match.group(0)

    parts, last = [], 0
    for code in CODE.finditer(text):
        parts += [INLINE.sub(fill, text[last : code.start()]), code.group(0)]
        last = code.end()
    return "".join([*parts, INLINE.sub(fill, text[last:])])
