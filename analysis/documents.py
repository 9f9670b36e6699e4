"""Static reading of the Quarto sources: front matter, embeds and cross-references.

Used by `make report` to fail early, before Quarto runs, and by the tests, which
cannot run Quarto on machines where it is not installed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

EMBED = re.compile(r"\{\{<\s*embed\s+([^#\s>]+)#([^\s>]+)(?:\s+[^>]*)?>\}\}")
CROSSREF = re.compile(r"(?<![\w@])@((?:fig|tbl)-[A-Za-z0-9_-]+)")
CITATION = re.compile(r"(?<![\w@])-?@([A-Za-z][\w:-]*\d{4}[a-z]?)\b")
DOCUMENTS = ("paper.qmd", "slides.qmd")


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
        return [
            Embed(nb, label)
            for nb, labels in EMBED.findall(self.body)
            for label in labels.split(",")
        ]

    @property
    def crossrefs(self) -> set[str]:
        return set(CROSSREF.findall(self.body))

    @property
    def citations(self) -> set[str]:
        return set(CITATION.findall(self.body))


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
