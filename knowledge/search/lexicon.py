"""The colloquial-to-plan lexicon, kept as data in ``knowledge/data/lexicon.json``.

Owns reading that file and expanding a question: when an enterprise writes 拉电 the plans
say 用电报装; the lexicon adds the plan's words (at a lower weight) so the ranking can find
them. Matching is by substring on the normalised text, so it does not depend on how the
segmenter happens to cut the colloquial phrase.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
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


#: the most ``gap_chars`` that may split a short phrase (停四五回电 is 停电)
MAX_GAP = 3

#: texts whose expansion is remembered: a question is expanded twice (the search's parse and
#: the learned layer's features), and a chat message again by routing
EXPAND_CACHE = 512


def _gappable(phrase: str) -> bool:
    """Verb-object phrases of two or three characters may be split after their first one."""
    return 2 <= len(phrase) <= 3 and "\u4e00" <= phrase[0] <= "\u9fff"


def unshadowed(text: str, present: set[str]) -> set[str]:
    """``present`` without a term found only inside a longer term found (没啥能抵押 is not
    抵押; 信易贷 is not 贷)."""
    out = set(present)
    for said in present:
        longer = [p for p in present if len(p) > len(said) and said in p]
        if not longer:
            continue
        rest = text
        for p in sorted(longer, key=len, reverse=True):
            rest = rest.replace(p, " ")
        if said not in rest:
            out.discard(said)
    return out


class PhraseFinder:
    """Finds which of a fixed set of phrases occur in a text, in one pass over the text.

    A phrase occurs when it is a substring of the text, or when it is a short phrase split after
    its verb: 借钱 -> 借点钱, 报警 -> 报了警, 盖厂房 -> 盖个厂房, 没抵押 -> 没什么抵押. Only one
    to three ``gap_chars`` (aspect markers, numerals, measure words) may stand after the first
    character (停四五回电, 拉了一路电), so 投放目标 does not read as 投标.

    Phrases are indexed by their first character, so a text is scanned once whatever the number
    of phrases (checking each phrase with its own search cost ~1,200 scans per question).
    """

    def __init__(self, phrases: Iterable[str], gap_chars: str = "") -> None:
        self._gap_chars = frozenset(gap_chars)
        self._by_first: dict[str, list[str]] = {}
        for phrase in dict.fromkeys(p for p in phrases if p):
            self._by_first.setdefault(phrase[0], []).append(phrase)

    def present(self, text: str) -> set[str]:
        found: set[str] = set()
        gaps = self._gap_chars
        for i, char in enumerate(text):
            candidates = self._by_first.get(char)
            if not candidates:
                continue
            for phrase in candidates:
                if phrase in found:
                    continue
                if text.startswith(phrase, i):
                    found.add(phrase)
                elif gaps and _gappable(phrase):
                    rest = phrase[1:]
                    for gap in range(1, MAX_GAP + 1):
                        if text[i + gap : i + gap + 1] not in gaps:
                            break
                        if text.startswith(rest, i + 1 + gap):
                            found.add(phrase)
                            break
        return found


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
    #: per-entry groups (aligned with ``entries``): an entry with groups fires only when
    #: terms of at least two of its groups occur (水 and 电 asked together: joint connection)
    entry_groups: tuple[tuple[tuple[str, ...], ...] | None, ...] = ()
    _finder: PhraseFinder = field(init=False, repr=False, compare=False)
    _expanded: functools._lru_cache_wrapper[tuple[Expansion, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        says = (said for entry_says, _plan in self.entries for said in entry_says)
        object.__setattr__(self, "_finder", PhraseFinder(says, self.gap_chars))
        # Expansions are immutable, so a remembered tuple can be handed out again.
        memo = functools.lru_cache(maxsize=EXPAND_CACHE)(self._expand)
        object.__setattr__(self, "_expanded", memo)

    def expand(self, text: str) -> list[Expansion]:
        """The entries whose colloquial terms occur in ``text`` (normalised), in file order.

        Two-character terms also match when split by one to three ``gap_chars`` (借点钱, 拉一路电,
        停四五回电). A term found only inside a longer term that was found does not fire on its
        own (longest match: 没啥能抵押 asks for credit without collateral, not for 抵押 登记).
        """
        return list(self._expanded(text))

    def forget_expansions(self) -> None:
        """Drop the remembered expansions (benchmarks time a text as if new)."""
        self._expanded.cache_clear()

    def _expand(self, text: str) -> tuple[Expansion, ...]:
        present = unshadowed(text, self._finder.present(text))
        found: list[Expansion] = []
        for i, (says, plan) in enumerate(self.entries):
            groups = self.entry_groups[i] if i < len(self.entry_groups) else None
            if groups is not None:
                hits = [next((t for t in g if t in present), None) for g in groups]
                named = [t for t in hits if t is not None]
                if len(named) >= 2:
                    weight = self.entry_weights[i] if i < len(self.entry_weights) else None
                    found.append(Expansion("+".join(named), plan, weight or self.expansion_weight))
                continue
            for said in says:
                if said in present:
                    weight = self.entry_weights[i] if i < len(self.entry_weights) else None
                    found.append(Expansion(said, plan, weight or self.expansion_weight))
                    break
        return tuple(found)

    def all_terms(self) -> set[str]:
        """Every term of the lexicon, for the segmenter's dictionary."""
        terms: set[str] = set()
        for says, plan in self.entries:
            terms.update(says)
            terms.update(plan)
        return terms


def _default_path() -> Path:
    return Path(str(resources.files("knowledge") / "data" / "lexicon.json"))


@functools.cache
def default_lexicon() -> Lexicon:
    """The shipped lexicon, read once per process and shared (search, the learned layer's
    features, routing's and the SLA's gap characters), so its memory of expansions is shared."""
    return load_lexicon()


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read and check the lexicon; raise :class:`LexiconError` with a clear message if bad."""
    path = path or _default_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entry_groups = tuple(
            tuple(tuple(normalize(s) for s in group) for group in entry["together"])
            if "together" in entry
            else None
            for entry in raw["entries"]
        )
        entries = tuple(
            (
                tuple(normalize(s) for s in entry["say"])
                if groups is None
                else tuple(s for group in groups for s in group),
                tuple(normalize(p) for p in entry["plan"]),
            )
            for entry, groups in zip(raw["entries"], entry_groups, strict=True)
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
    for groups in entry_groups:
        if groups is not None and (len(groups) < 2 or not all(groups)):
            raise LexiconError(
                f"同义词表条目分组不足：{path}", f"lexicon {path}: 'together' needs two groups"
            )
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
        entry_groups=entry_groups,
    )
