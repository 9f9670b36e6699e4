"""Cleaning repository descriptions for text models: URLs, emoji and punctuation out."""

from __future__ import annotations

import re

URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
SHORTCODE = re.compile(r":[a-z0-9_+-]+:")  # GitHub renders :rocket: as an emoji
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\U00002b00-\U00002bff"
    "\U0000fe0f\U0000200d\U000020e3]"
)
NON_WORD = re.compile(r"[^a-z0-9+#]+")
END_TO_END = re.compile(r"\bend[\s-]*(?:to|2)[\s-]*end\b")


def clean(description: str | None) -> str:
    """Lowercase text with URLs, emoji (Unicode and :shortcodes:) and punctuation removed."""
    if not description:
        return ""
    text = URL.sub(" ", description)
    text = SHORTCODE.sub(" ", text)
    text = EMOJI.sub(" ", text).lower()
    text = END_TO_END.sub("endtoend", text)  # one idea, not the stop word "to" between two "end"s
    return NON_WORD.sub(" ", text).strip()


def merge_inflections(texts: list[str]) -> list[str]:
    """Texts with each plural replaced by its singular where the singular occurs in the texts too
    ("models" -> "model", "pipelines" -> "pipeline", "libraries" -> "library"), so that a topic
    model counts one word once. A word whose singular never occurs is left as it is ("kubernetes")."""
    vocabulary = {w for t in texts for w in t.split()}

    def base(word: str) -> str:
        for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
            stem = word[: -len(suffix)] + replacement
            if word.endswith(suffix) and not word.endswith("ss") and len(stem) > 2 and stem in vocabulary:
                return stem
        return word

    forms = {w: base(w) for w in vocabulary}
    return [" ".join(forms[w] for w in t.split()) for t in texts]


def shorten(description: str | None, limit: int = 70) -> str:
    """A description for a table cell: emoji out (PDF fonts lack them), cut at a word, with an ellipsis."""
    text = " ".join(EMOJI.sub(" ", SHORTCODE.sub(" ", description or "")).split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.-") + "…"
