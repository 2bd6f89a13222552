"""Chinese word segmentation with jieba and a dictionary of the plans' own terms.

Owns one jieba tokenizer for the process, initialised lazily (loading jieba's dictionary is
the slowest step of start-up), and the user dictionary generated from the measures: quoted
“…” terms, short titles, unit names and the lexicon's terms. Words are added in memory
(``add_word``), so no file is written and no global jieba state is touched.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

from knowledge.model import Measure

_QUOTED = re.compile(r"“([^”]{2,12})”")
# Tokens worth keeping: CJK words, numbers, latin words (e.g. "ukey", "ca", "pm2.5").
_KEEP = re.compile(r"[\u3400-\u9fff]|[0-9a-z]")
_LOCK = threading.Lock()
_TOKENIZER: Any = None
_ADDED: set[str] = set()

#: user words get a frequency high enough to win against jieba's general dictionary
_USER_FREQ = 20000


def _tokenizer() -> Any:
    global _TOKENIZER  # noqa: PLW0603 - one shared, lazily built tokenizer per process
    if _TOKENIZER is None:
        with _LOCK:
            if _TOKENIZER is None:
                import jieba  # noqa: PLC0415 - lazy: importing and initialising costs ~0.5 s

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                _TOKENIZER = tok
    return _TOKENIZER


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter words it must keep whole (idempotent)."""
    tok = _tokenizer()
    for raw in words:
        word = raw.strip()
        if len(word) >= 2 and word not in _ADDED and " " not in word:
            tok.add_word(word, _USER_FREQ)
            _ADDED.add(word)


def plan_terms(measures: Iterable[Measure], unit_names: Iterable[str] = ()) -> set[str]:
    """The plans' own vocabulary: quoted terms, short titles and unit names."""
    terms: set[str] = set()
    for measure in measures:
        for text in (measure.title, measure.text):
            terms.update(m.group(1) for m in _QUOTED.finditer(text))
        if len(measure.title) <= 8:
            terms.add(measure.title)
        terms.update(measure.lead_units)
        terms.update(measure.co_units)
    terms.update(unit_names)
    # Quoted phrases with punctuation inside are not words.
    return {t.lower() for t in terms if not re.search(r"[，。、；：:,;()（）\s]", t)}


def cut(text: str) -> list[str]:
    """Search-mode segmentation: whole words and their dictionary sub-words."""
    return [w for w in _tokenizer().cut_for_search(text) if _KEEP.search(w)]


def cut_words(text: str) -> list[str]:
    """Precise-mode segmentation (one cut per word), used for matched-term display."""
    return [w for w in _tokenizer().lcut(text) if _KEEP.search(w)]
