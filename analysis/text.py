"""Cleaning repository descriptions for text models: URLs, emoji and punctuation out."""
from __future__ import annotations

import re

URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
SHORTCODE = re.compile(r":[a-z0-9_+-]+:")  # GitHub renders :rocket: as an emoji
EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\U00002600-\U000027BF\U0001F900-\U0001F9FF\U00002B00-\U00002BFF"
    "\U0000FE0F\U0000200D\U000020E3]"
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


def shorten(description: str | None, limit: int = 70) -> str:
    """A description for a table cell: emoji out (PDF fonts lack them), cut at a word, with an ellipsis."""
    text = " ".join(EMOJI.sub(" ", SHORTCODE.sub(" ", description or "")).split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.-") + "…"
