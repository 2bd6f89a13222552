"""Routing a complaint to the lead unit the plan names for the measure it falls under.

Owns the routing decision. The complaint is searched like a question; the candidate measures
are re-scored by what the text says about units (names and topic words from
``knowledge/data/routing.json``): a measure led by a unit the complaint points at wins over an
equally good measure led by someone else. The lead unit is the measure's first lead unit
unless the text clearly concerns another of its lead units. Confidence combines how well the
measure covers the complaint, how clearly a unit is named, and the margin over the best
alternative unit; below the threshold a human dispatcher confirms.

The threshold (``DEFAULT_DISPATCH_THRESHOLD``) was calibrated with ``bench/search_bench.py``:
the full router makes (almost) no mistakes on the development and own complaint sets, so
mistakes are provoked by routing the same complaints with an ablated router (no lexicon, no
unit cues), standing in for wording the data does not know. On the knowledge base of
2026-11-25, 0.30 sends all 27 provoked mistakes to a dispatcher at 11% dispatcher load (0.25:
26 of 27 at 7%; 0.40: all at 27%). On the four held-out complaint batches in
``bench/heldout/`` (160 complaints, 6 real mistakes) 0.30 catches as many real mistakes as
0.40 (2) at a dispatcher load of ~10% instead of ~28%: a dispatcher who sees fewer, more
doubtful complaints is a better safety net than one who rubber-stamps a third of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from knowledge.model import Measure
from knowledge.routing.sla import SlaDecision, SlaPolicyTable, load_sla_policies
from knowledge.routing.units import UnitSignal, UnitSignalTable, load_unit_signals, unit_matches
from knowledge.search.normalize import normalize_query
from knowledge.search.searcher import Hit, Searcher

DEFAULT_DISPATCH_THRESHOLD = 0.30
#: how much a unit signal counts against search relevance when re-scoring candidates
UNIT_BONUS = 0.35
#: candidates considered; a measure led by a named unit can climb from deep in the list
CANDIDATES = 15


@dataclass(frozen=True, slots=True)
class MeasureRef:
    id: str
    doc: str
    number: str
    title: str

    @classmethod
    def of(cls, measure: Measure) -> MeasureRef:
        return cls(measure.id, measure.doc, measure.number, measure.title)


@dataclass(frozen=True, slots=True)
class UnitChoice:
    """A unit the complaint may go to, with the measure that sends it there."""

    unit: str
    measure: MeasureRef


#: how many units a decision offers (the decided one first)
CHOICES = 5


def unit_choices(pairs: Iterable[tuple[str | None, Measure]]) -> tuple[UnitChoice, ...]:
    """The first ``CHOICES`` distinct units of ``(unit, measure)`` pairs, best first; groups
    of units (各镇办) are no unit anyone can be sent, so only a measure's lead units count."""
    chosen: dict[str, UnitChoice] = {}
    for unit, measure in pairs:
        if unit is None or unit in chosen or unit not in measure.lead_units:
            continue
        chosen[unit] = UnitChoice(unit, MeasureRef.of(measure))
        if len(chosen) == CHOICES:
            break
    return tuple(chosen.values())


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """Where a complaint goes and why; every field is explainable from data."""

    text: str
    lead_unit: str | None
    co_units: tuple[str, ...]
    measure: MeasureRef | None
    confidence: float
    sla_policy: str
    needs_dispatcher: bool
    matched_terms: tuple[str, ...]
    explanation: str
    #: the units it may go to, best first, each with its measure: the decided unit first
    #: (when it is a unit), then the next best; what a dispatcher is offered
    choices: tuple[UnitChoice, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A measure the complaint may fall under, re-scored by what the text says about units."""

    hit: Hit
    score: float
    signal: UnitSignal | None
    lead_unit: str | None

    @property
    def unit(self) -> str | None:
        """The unit this candidate sends the complaint to: the signalled lead unit, else the
        measure's first lead unit (or group)."""
        measure = self.hit.measure
        if self.lead_unit:
            return self.lead_unit
        if measure.lead_units:
            return measure.lead_units[0]
        return measure.lead_groups[0] if measure.lead_groups else None


@dataclass(frozen=True, slots=True)
class Assessment:
    """What retrieval and the unit cues make of a complaint, before a decision."""

    text: str  # normalised
    sla: SlaDecision
    candidates: tuple[Candidate, ...]  # best first
    signals: dict[str, UnitSignal]
    #: unit names the text shows as not responsible (refused, complained about)
    not_responsible: frozenset[str] = frozenset()


class Router:
    """Route complaint texts; build once per knowledge base."""

    def __init__(
        self,
        searcher: Searcher,
        *,
        aliases_of: Callable[[str], Iterable[str]] | None = None,
        signals: UnitSignalTable | None = None,
        sla_policies: SlaPolicyTable | None = None,
        dispatch_threshold: float = DEFAULT_DISPATCH_THRESHOLD,
    ) -> None:
        self.searcher = searcher
        self._aliases_of = aliases_of or (lambda _name: ())
        self.signals = signals or load_unit_signals()
        self.sla_policies = sla_policies or load_sla_policies()
        self.dispatch_threshold = dispatch_threshold
        self._alias_cache: dict[str, tuple[str, ...]] = {}

    def aliases(self, unit: str) -> tuple[str, ...]:
        cached = self._alias_cache.get(unit)
        if cached is None:
            cached = tuple(self._aliases_of(unit))
            self._alias_cache[unit] = cached
        return cached

    def unit_signal(
        self, measure: Measure, signals: dict[str, UnitSignal]
    ) -> tuple[UnitSignal | None, str | None]:
        """The strongest signal for one of the measure's lead units, and that unit."""
        best: tuple[UnitSignal | None, str | None] = (None, None)
        for unit in measure.lead_units:
            for signal in signals.values():
                if unit_matches(signal.fragment, unit, self.aliases(unit)) and (
                    best[0] is None or signal.weight > best[0].weight
                ):
                    best = (signal, unit)
        return best

    def assess(self, text: str, *, financing: bool | None = None) -> Assessment:
        """Search and unit cues for a complaint; raises ``EmptyQuery`` for empty text.

        ``financing`` overrides the SLA rule's verdict on whether the complaint is a
        financing request (a financing request belongs to the financial units even when it
        names none); None keeps the rule's.
        """
        cleaned = normalize_query(text)
        sla = self.sla_policies.decide(cleaned)
        answer = self.searcher.answer(cleaned, limit=CANDIDATES, snippets=False)
        signals, refused_names = self.signals.read(cleaned)
        points_to = sla.points_to
        if financing is not None:
            points_to = self.sla_policies.financing_units() if financing else ()
        for fragment in points_to:
            if fragment not in signals or signals[fragment].weight < self.signals.name_weight:
                term = sla.matched_terms[0] if sla.matched_terms else "融资"
                signals[fragment] = UnitSignal(fragment, self.signals.name_weight, term)
        candidates: list[Candidate] = []
        for rank, hit in enumerate(answer.hits):
            signal, unit = self.unit_signal(hit.measure, signals)
            bonus = UNIT_BONUS * signal.weight if signal else 0.0
            score = hit.score * (1 - 0.02 * rank) + bonus
            candidates.append(Candidate(hit, score, signal, unit))
        candidates.sort(key=lambda c: -c.score)
        return Assessment(cleaned, sla, tuple(candidates), signals, frozenset(refused_names))

    def route(self, text: str) -> RouteDecision:
        """Decide the lead unit for a complaint; raises ``EmptyQuery`` for empty text."""
        assessment = self.assess(text)
        cleaned, sla, candidates = assessment.text, assessment.sla, assessment.candidates
        scored = [c for c in candidates if c.score > 0]
        choices = unit_choices((c.unit, c.hit.measure) for c in scored)
        if not scored or candidates[0].score <= 0:
            return self.undecided(cleaned, sla, choices)
        best = candidates[0]
        measure = best.hit.measure
        lead = best.lead_unit or (measure.lead_units[0] if measure.lead_units else None)
        if lead is None and measure.lead_groups:
            lead = measure.lead_groups[0]
        co_units = tuple(u for u in (*measure.lead_units, *measure.co_units) if u != lead)
        # margin over the best candidate that would send the complaint elsewhere
        rival = next((c for c in candidates[1:] if lead not in c.hit.measure.lead_units), None)
        margin = 1.0 if rival is None else max(0.0, (best.score - rival.score) / best.score)
        strength = 0.55 * best.hit.score + 0.45 * (best.signal.weight if best.signal else 0.0)
        confidence = round(float(min(1.0, strength * (0.5 + 0.5 * margin) + 0.25 * margin)), 3)
        matched = [*best.hit.matched_terms]
        if best.signal:
            matched.append(best.signal.term)
        matched.extend(sla.matched_terms)
        if sla.policy == self.sla_policies.default:
            # the words did not say "loan", but the measure the complaint falls under does
            by_measure = self.sla_policies.for_measure(measure.id)
            if by_measure is not None:
                sla = by_measure
        explanation = self._explain(measure, lead, best, sla.policy)
        return RouteDecision(
            text=cleaned,
            lead_unit=lead,
            co_units=co_units,
            measure=MeasureRef.of(measure),
            confidence=confidence,
            sla_policy=sla.policy,
            needs_dispatcher=confidence < self.dispatch_threshold,
            matched_terms=tuple(dict.fromkeys(matched)),
            explanation=explanation,
            choices=unit_choices([(lead, measure), *((c.unit, c.hit.measure) for c in scored)]),
        )

    @staticmethod
    def undecided(
        cleaned: str, sla: SlaDecision, choices: tuple[UnitChoice, ...] = ()
    ) -> RouteDecision:
        return RouteDecision(
            text=cleaned,
            lead_unit=None,
            co_units=(),
            measure=None,
            confidence=0.0,
            sla_policy=sla.policy,
            needs_dispatcher=True,
            matched_terms=sla.matched_terms,
            explanation="未找到与诉求相符的举措，需派单员人工分派。",
            choices=choices,
        )

    @staticmethod
    def _explain(measure: Measure, lead: str | None, best: Candidate, policy: str) -> str:
        parts = [f"诉求对应举措（{measure.number}）{measure.title}"]
        if best.hit.matched_terms:
            parts.append("匹配词：" + "、".join(best.hit.matched_terms[:6]))
        if best.signal:
            parts.append(f"“{best.signal.term}”指向{lead}")
        else:
            parts.append(f"由该举措第一牵头单位{lead}办理")
        parts.append(f"时限策略：{policy}")
        return "；".join(parts) + "。"
