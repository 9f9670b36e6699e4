"""The facts as Quarto metadata: what the paper and slides read, so rendering them runs no Python.

The documents name each fact with `{{< meta name >}}` and show or hide prose with `when-meta`, so Quarto
renders them with Pandoc and Typst alone (no kernel, no import of the analyses). `make report` writes
this metadata into the staged project, where `_quarto.yml`'s `metadata-files` reads it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from analysis import atomic

#: The metadata file `_quarto.yml` names: written by `make report` into the staged copy of the project.
FILE = "_facts.yml"
#: Facts that are Markdown (paragraphs, lists, bold) rather than plain text; the documents place them alone.
MARKDOWN_FACTS = ("followup_paper", "followup_slide", "compare_paper")
#: The marks Pandoc's Markdown gives a meaning inline (emphasis, code, links, citations, math, raw HTML,
#: shortcodes); backslash-escaped, each reads as itself. Quotes are left for Pandoc to curl, as in the prose.
PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>#|~^$@&])")


def plain(text: str) -> str:
    """Text that Pandoc shows as written: `topic_*.json` must not turn into emphasis, nor `@x` a citation."""
    return PUNCTUATION.sub(r"\\\1", text)


def conditions(facts: dict[str, Any]) -> dict[str, bool]:
    """The switches the documents' `when-meta` divs and spans read.

    `supports-<name>`: the snapshot supports the analysis (else its shortfall sentence is shown);
    `unfinished-snapshot`: an interrupted or incomplete snapshot was accepted (a warning is shown);
    `has-comparison`: `make report COMPARE=OLD` compared it with an older snapshot;
    `has-followup`: a follow-up of the snapshot's repositories was recorded (else it is further work);
    `has-shortfalls`: the snapshot is too small for at least one analysis (a recorded provenance is no analysis);
    `finding-<name>`: the model beats its null reference, so the documents present it as a finding.
    """
    supports = {key.removesuffix("_supported"): bool(v) for key, v in facts.items() if key.endswith("_supported")}
    findings = {key.removesuffix("_finding"): bool(v) for key, v in facts.items() if key.endswith("_finding")}
    return {
        **{f"supports-{name}": holds for name, holds in supports.items()},
        **{f"finding-{name}": holds for name, holds in findings.items()},
        "unfinished-snapshot": bool(facts.get("unfinished")),
        "has-comparison": bool(facts.get("compare_paper")),
        "has-followup": bool(facts.get("followup_recorded")),
        "has-shortfalls": not all(holds for name, holds in supports.items() if name != "provenance"),
    }


def metadata(facts: dict[str, Any]) -> dict[str, Any]:
    """Every fact the documents may name, as Quarto metadata, with the `when-meta` switches."""
    values = {
        name: value if name in MARKDOWN_FACTS else plain(value)
        for name, value in facts.items()
        if isinstance(value, str)
    }
    return {**values, **conditions(facts)}


def write(facts: dict[str, Any], folder: Path) -> Path:
    """Write the metadata file into the project folder Quarto renders; its path."""
    path = folder / FILE
    text = yaml.safe_dump(metadata(facts), allow_unicode=True, sort_keys=True, width=10_000)
    atomic.write_bytes(path, text.encode())
    return path
