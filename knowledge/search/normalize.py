"""Text normalisation for questions, complaints and plan text.

Owns the cleaning that every matcher relies on: NFKC (full-width to half-width), HTML tags
and entities, control and format characters, emoji and other symbols, white space, and a
length cap. Every step is a single linear pass, so 5,000+ characters cost microseconds per
kilobyte and never blow up quadratically.
"""

from __future__ import annotations

import html
import re
import unicodedata

from bot.errors import InvalidInput

#: questions longer than this are cut: a question is a sentence or two, and the cap keeps
#: matching time bounded whatever an enterprise pastes in
MAX_QUERY_CHARS = 500

# Tags are bounded in length so a stray "<" cannot make the pattern scan the whole text.
_TAG = re.compile(r"<[^<>]{0,300}>")
_SPACE = re.compile(r"\s+")
# Categories dropped outright: control, format (zero-width etc.), private use, unassigned,
# surrogates, and symbols (emoji live in So/Sk).
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "So", "Sk"})


class EmptyQuery(InvalidInput):
    """Nothing searchable is left after cleaning (empty, white space, only emoji...)."""

    code = "empty_query"

    def __init__(self) -> None:
        super().__init__(
            "问题为空：请用中文描述您的问题或诉求。",
            "The text is empty: please describe the question or complaint (in Chinese).",
        )


def normalize(text: str, *, max_chars: int | None = None) -> str:
    """Return ``text`` cleaned for matching; ``max_chars`` caps the result.

    Raw input is cut to a multiple of the cap *before* any work, so a megabyte of paste costs
    no more than a few kilobytes.
    """
    if max_chars is not None:
        text = text[: max_chars * 4]
    text = unicodedata.normalize("NFKC", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = "".join(
        " " if ch in "\t\n\r" else ch
        for ch in text
        if ch in "\t\n\r" or unicodedata.category(ch) not in _DROP_CATEGORIES
    )
    text = _SPACE.sub(" ", text).strip().lower()
    if max_chars is not None:
        text = text[:max_chars]
    return text


def normalize_query(text: str) -> str:
    """Clean a user's question or complaint; raise :class:`EmptyQuery` if nothing is left."""
    if not isinstance(text, str):
        raise EmptyQuery
    cleaned = normalize(text, max_chars=MAX_QUERY_CHARS)
    if not any(ch.isalnum() for ch in cleaned):
        raise EmptyQuery
    return cleaned


def has_cjk(text: str) -> bool:
    """True when the text has at least one CJK ideograph (the plans are in Chinese)."""
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)
