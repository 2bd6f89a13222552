"""What a complaint says about units: names and topic words from ``knowledge/data/routing.json``.

Owns the unit-signal table. Each entry is a fragment of a unit's name with the words that name
the unit (strong) or a matter only it handles (weaker). ``signals(text)`` says which fragments
the text points at and why, so the router can explain its choice from data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bot.errors import YousuError
from knowledge.search.lexicon import PhraseFinder, default_lexicon, unshadowed
from knowledge.search.normalize import normalize


class RoutingDataError(YousuError):
    code = "routing_data_invalid"
    http_status = 500


@dataclass(frozen=True, slots=True)
class UnitSignal:
    """The text points at units whose name contains ``fragment``, by ``term``."""

    fragment: str
    weight: float
    term: str


@dataclass(frozen=True, slots=True)
class UnitCue:
    fragment: str
    names: tuple[str, ...]
    topics: tuple[str, ...]


#: how much a topic word still points at its unit when the text names another unit outright
NAMED_DAMPING = 0.5


@dataclass(frozen=True, slots=True)
class UnitSignalTable:
    cues: tuple[UnitCue, ...]
    name_weight: float = 1.0
    topic_weight: float = 0.6
    #: characters that may split a two-character phrase (from the lexicon)
    gap_chars: str = ""
    #: patterns that, right after a unit's name, say the unit is not the responsible one
    #: (it refused, it is complained about, it was asked already)
    not_responsible: tuple[str, ...] = ()
    _finder: PhraseFinder = field(init=False, repr=False, compare=False)
    _refusal: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        terms = [t for cue in self.cues for t in (*cue.names, *cue.topics)]
        object.__setattr__(self, "_finder", PhraseFinder(terms, self.gap_chars))
        refusal = "|".join(f"(?:{p})" for p in self.not_responsible)
        object.__setattr__(self, "_refusal", re.compile(refusal) if refusal else None)

    def not_responsible_names(self, text: str) -> set[str]:
        """The unit names in ``text`` that a mention shows as not responsible."""
        return self._refused(text, self._finder.present(text))

    def _refused(self, text: str, present: set[str]) -> set[str]:
        if self._refusal is None:
            return set()
        out: set[str] = set()
        for name in present:
            if not any(name in cue.names for cue in self.cues):
                continue
            ends = [m.end() for m in re.finditer(re.escape(name), text)]
            if any(self._refusal.match(text, end, end + 40) for end in ends):
                out.add(name)
        return out

    def signals(self, text: str) -> dict[str, UnitSignal]:
        """The strongest signal per unit-name fragment found in (normalised) ``text``."""
        return self.read(text)[0]

    def read(self, text: str) -> tuple[dict[str, UnitSignal], set[str]]:
        """The strongest signal per unit-name fragment found in (normalised) ``text``, and
        the unit names shown as not responsible, from one pass over the text. A name shown
        as not responsible (it refused, it is complained about) is no signal, and
        neither are that unit's topic words (去市场监管局问，人家说破产得找别的部门，注销才归他们:
        注销 does not bring the refusing unit back)."""
        found_anywhere = self._finder.present(text)
        refused = self._refused(text, found_anywhere)
        # longest match across all units: 信易贷 is a topic of its own unit, not a 贷 of the
        # financial one, and 政府性融资担保 not a 融资
        present = unshadowed(text, found_anywhere) - refused
        found: dict[str, UnitSignal] = {}
        for cue in self.cues:
            if refused.intersection(cue.names):
                continue
            best: UnitSignal | None = None
            for name in cue.names:
                if name in present:
                    best = UnitSignal(cue.fragment, self.name_weight, name)
                    break
            if best is None:
                hits = [t for t in cue.topics if t in present]
                if hits:
                    # several topic words are more telling than one, never more than a name
                    weight = min(
                        self.name_weight * 0.9, self.topic_weight * (1 + 0.15 * (len(hits) - 1))
                    )
                    best = UnitSignal(cue.fragment, weight, max(hits, key=len))
            if best is not None:
                found[cue.fragment] = best
        if any(signal.weight >= self.name_weight for signal in found.values()):
            # a unit named outright (市场监管窗口) outweighs another unit's topic word (窗口)
            found = {
                fragment: signal
                if signal.weight >= self.name_weight
                else UnitSignal(signal.fragment, signal.weight * NAMED_DAMPING, signal.term)
                for fragment, signal in found.items()
            }
        return found, refused


def unit_matches(fragment: str, unit: str, aliases: Iterable[str] = ()) -> bool:
    """True when the unit (or one of its aliases) is the one a fragment names."""
    return fragment in unit or any(fragment in alias for alias in aliases)


def load_unit_signals(path: Path | None = None) -> UnitSignalTable:
    path = path or Path(str(resources.files("knowledge") / "data" / "routing.json"))
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        cues = tuple(
            UnitCue(
                fragment=str(u["unit"]),
                names=tuple(normalize(n) for n in u.get("names", [])),
                topics=tuple(normalize(t) for t in u.get("topics", [])),
            )
            for u in raw["units"]
        )
        table = UnitSignalTable(
            cues=cues,
            name_weight=float(raw.get("name_weight", 1.0)),
            topic_weight=float(raw.get("topic_weight", 0.6)),
            gap_chars=default_lexicon().gap_chars,
            not_responsible=tuple(str(p) for p in raw.get("not_responsible", {}).get("after", [])),
        )
    except (OSError, ValueError, KeyError, TypeError, re.error) as exc:
        raise RoutingDataError(
            f"派单数据无法读取：{path}（{exc}）", f"cannot read routing data {path}: {exc}"
        ) from exc
    if any(not c.fragment or not (c.names or c.topics) for c in cues):
        raise RoutingDataError(
            f"派单数据有空条目：{path}", f"routing data {path} has an empty entry"
        )
    return table
