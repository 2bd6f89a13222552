"""The colloquial-to-plan lexicon, kept as data in ``knowledge/data/lexicon.json``.

Owns reading that file and expanding a question: when an enterprise writes 拉电 the plans
say 用电报装; the lexicon adds the plan's words (at a lower weight) so the ranking can find
them. Matching is by substring on the normalised text, so it does not depend on how the
segmenter happens to cut the colloquial phrase.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bot.errors import YousuError
from knowledge.search.normalize import normalize


class LexiconError(YousuError):
    """The lexicon file is missing or malformed."""

    code = "lexicon_invalid"
    http_status = 500


@dataclass(frozen=True, slots=True)
class Expansion:
    """One lexicon entry that fired: the colloquial term found and the plan terms it adds."""

    said: str
    plan_terms: tuple[str, ...]
    #: how much the plan terms count against the question's own words (0..1)
    weight: float = 0.7


def phrase_occurs(
    phrase: str, text: str, gap_chars: str, cache: dict[str, re.Pattern[str]] | None = None
) -> bool:
    """True when ``phrase`` occurs in ``text``, or a short phrase occurs split after its verb.

    Verb-object phrases of two or three characters are split in speech (借钱 -> 借点钱, 报警 ->
    报了警, 盖厂房 -> 盖个厂房, 没抵押 -> 没什么抵押); only one or two ``gap_chars`` (aspect
    markers, numerals, measure words) may stand after the first character, so 投放目标 does
    not read as 投标.
    """
    if phrase in text:
        return True
    if not gap_chars or not 2 <= len(phrase) <= 3 or not ("\u4e00" <= phrase[0] <= "\u9fff"):
        return False
    pattern = cache.get(phrase) if cache is not None else None
    if pattern is None:
        gap = f"[{re.escape(gap_chars)}]{{1,2}}"
        pattern = re.compile(re.escape(phrase[0]) + gap + re.escape(phrase[1:]))
        if cache is not None:
            cache[phrase] = pattern
    return pattern.search(text) is not None


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Colloquial terms (``say``) mapped to plan terms, plus stop words."""

    entries: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    stopwords: frozenset[str]
    expansion_weight: float = 0.7
    #: per-entry weights overriding ``expansion_weight`` (aligned with ``entries``; a
    #: generic entry such as 跑几趟 should not outweigh the topic of the question)
    entry_weights: tuple[float | None, ...] = ()
    #: what may split a two-character phrase: aspect markers, numerals, measure words
    gap_chars: str = ""
    _gapped: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False)

    def _occurs(self, said: str, text: str) -> bool:
        return phrase_occurs(said, text, self.gap_chars, self._gapped)

    def expand(self, text: str) -> list[Expansion]:
        """The entries whose colloquial terms occur in ``text`` (normalised), in file order.

        Two-character terms also match when split by one or two ``gap_chars`` (借点钱, 拉一路电).
        """
        found: list[Expansion] = []
        for i, (says, plan) in enumerate(self.entries):
            for said in says:
                if self._occurs(said, text):
                    weight = self.entry_weights[i] if i < len(self.entry_weights) else None
                    found.append(Expansion(said, plan, weight or self.expansion_weight))
                    break
        return found

    def all_terms(self) -> set[str]:
        """Every term of the lexicon, for the segmenter's dictionary."""
        terms: set[str] = set()
        for says, plan in self.entries:
            terms.update(says)
            terms.update(plan)
        return terms


def _default_path() -> Path:
    return Path(str(resources.files("knowledge") / "data" / "lexicon.json"))


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read and check the lexicon; raise :class:`LexiconError` with a clear message if bad."""
    path = path or _default_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = tuple(
            (
                tuple(normalize(s) for s in entry["say"]),
                tuple(normalize(p) for p in entry["plan"]),
            )
            for entry in raw["entries"]
        )
        stopwords = frozenset(normalize(s) for s in raw.get("stopwords", []))
        weight = float(raw.get("expansion_weight", 0.7))
        entry_weights = tuple(
            float(entry["weight"]) if "weight" in entry else None for entry in raw["entries"]
        )
        gap_chars = str(raw.get("gap_chars", ""))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LexiconError(
            f"同义词表无法读取：{path}（{exc}）", f"cannot read the lexicon {path}: {exc}"
        ) from exc
    for says, plan in entries:
        if not says or not plan or not all(says) or not all(plan):
            raise LexiconError(
                f"同义词表条目为空：{path}", f"lexicon {path} has an empty entry or term"
            )
    return Lexicon(
        entries=entries,
        stopwords=stopwords,
        expansion_weight=weight,
        entry_weights=entry_weights,
        gap_chars=gap_chars,
    )
