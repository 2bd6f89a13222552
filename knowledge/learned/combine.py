"""Routing and answering with the learned model and retrieval together.

Owns how the two are combined and how sure the result is. For a complaint:

1. **financing** (the 1330 policy): the model's financing head decides (``FINANCING_BAR``);
   the SLA trigger words (``sla_policies.json``) are only named in the explanation (money in
   a text is not a financing request);
2. **retrieval** (BM25/rapidfuzz search plus the unit cues, ``knowledge.routing``) ranks the
   measures; a unit the text shows as not responsible (it refused, it is complained about)
   gives no cue;
3. the **mixture**: each entry's share is ``weight * p_model + (1 - weight) * retrieval``, the
   retrieval part being each candidate's score over the candidates' total; the best entry wins,
   and its lead unit is the one the text's cues pick among the entry's lead units, else the
   one the model's unit head finds likeliest (the plan names several lead units for many
   measures without saying who takes what: ``train.UNIT_HEAD``), else the first;
4. **confidence**: a logistic calibration of how often that unit is right, fitted when the
   model is built on out-of-fold predictions for the corpus's complaints, from the unit's share
   of the mixture, of the model and of retrieval, whether both agree, and the best retrieval
   score. Below ``DISPATCH_BELOW`` a dispatcher confirms.

For a question the same mixture (question head) ranks the measures, and retrieval's choice of
the answering sentence is re-scored with the learned vectors (how close the sentence is to the
question) and, for a question asking for a number, a preference for sentences with one.
Hits whose share is (nearly) zero are not returned.

Pure: no Telegram, no SQL. Everything here is data about the decision: ``explain`` returns
what decided (rules, words, nearest corpus lines) for ``yousu route --explain``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from knowledge.learned import sentences as sentence_ranker
from knowledge.learned.features import SparseRows, SparseVector
from knowledge.learned.model import ExampleRef, LearnedModel, Neighbour
from knowledge.model import Measure
from knowledge.routing.router import (
    Assessment,
    Candidate,
    MeasureRef,
    RouteDecision,
    Router,
    UnitChoice,
    unit_choices,
)
from knowledge.routing.units import UnitSignal, unit_matches
from knowledge.search.normalize import normalize_query
from knowledge.search.searcher import Answer, Hit, Searcher
from knowledge.search.snippet import problem_only_sentences, score_sentences

#: the model's share in the mixture for complaints and for questions (chosen by the
#: cross-validation in ``bench/learned_ablation.py``)
ROUTE_WEIGHT = 0.7
ASK_WEIGHT = 0.3
#: how much a unit the text names adds to the entries it leads (a unit shown as not
#: responsible is not named: ``routing.json``'s ``not_responsible``), and how much a word of a
#: matter only that unit handles adds
NAME_WEIGHT = 0.05
TOPIC_WEIGHT = 0.05
#: retrieval's share of an entry is its score to this power over the candidates' total: above
#: 1, retrieval's best candidates stand out as the model's best entries do
ROUTE_SHARPNESS = 1.0
#: how much a financing request adds to the entries the financial units lead (the 1330
#: policy's rule that such requests belong to them). Off: a request for a product with its
#: own measure (信易贷 2023-35 区发改委, a government guarantee 2023-36 区财政局, a patent
#: pledge 2023-54 区市场监管局, 政采贷 2022-9 区财政局) belongs to that measure's lead unit,
#: as every writer of the blind batches through 2026-12-08d said; the pull towards the
#: financial units took 14 of 2026-12-08a-d's 19 wrong units there. One writer left out
#: (``python -m bench.spent_lobo --complaints --financing-weights 0.1,0``) 0 is never worse
#: and better on one batch; the 1330 policy itself does not depend on it
FINANCING_WEIGHT = 0.0
ASK_SHARPNESS = 4.0
#: below this calibrated probability of the right unit, a dispatcher confirms. Chosen on the
#: spent blind batches, one writer left out (``python -m bench.spent_lobo --complaints``,
#: 960 complaints, the calibration counting a spent complaint right only for a unit its
#: writer accepted): at 0.85, 1.5% silent errors and 5.1% dispatched; at 0.9, 1.1% and
#: 10.2%. Blind wording is read more confidently than it deserves, and the goal allows up to
#: 15% dispatched, so the margin goes to the dispatcher
DISPATCH_BELOW = 0.9
#: the financing head's bar for the 1330 policy, and for a complaint that falls under one of
#: the policy's credit measures whatever its words. Trigger words (``sla_policies.json``) are
#: named in the explanation but no longer lower the bar: owners name loans as the harm of
#: another matter ("产权证办不下来，俺想抵押贷点款都弄不成"); one writer left out, a bar of
#: 0.1 with a trigger gave 100% of 95 financing lines and 4 false 1330 in 505 others, 0.7
#: gave 98.9% and 1 (``python -m bench.spent_lobo --complaints`` sweeps it)
FINANCING_BAR = 0.7
FINANCING_BY_MEASURE = 0.25
#: a question is answered outright when its best measure's share reaches this, or when
#: retrieval alone is confident of the same measure (its own threshold was calibrated on
#: off-topic probes); off-topic probes stay below 0.2
ANSWER_CONFIDENT = 0.3
#: measures below this share are not shown at all (neither as answer nor as "nearest"), nor
#: below the second when retrieval found nothing of the question in them (the model alone
#: always spreads a little probability, even over "what is the weather on mars")
MIN_SHOWN = 0.02
MIN_SHOWN_UNRETRIEVED = 0.1
#: how many of the labelled questions about the same entry nearest to a question vote for
#: their answering sentence (their writers picked the sentence that answers)
VOTERS = 5
#: the features of the routing confidence, in the calibration's order (``sole_lead``: the
#: entry has one lead unit, so no choice among several could be wrong)
ROUTE_FEATURES = ("mixture", "model", "retrieval", "agree", "best_hit", "sole_lead")


def _in_class_order(classes: Sequence[str], measures: Sequence[Measure]) -> list[Measure]:
    """The measures of a head's classes, in the classes' order; the model and the knowledge
    base must be of the same plans."""
    by_id = {m.id: m for m in measures}
    missing = [c for c in classes if c not in by_id]
    if missing:
        raise ValueError(f"the model knows entries the measures lack: {missing[:3]}")
    return [by_id[c] for c in classes]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -50 else 0.0


@dataclass(frozen=True, slots=True)
class EntryShare:
    id: str
    title: str
    share: float


@dataclass(frozen=True, slots=True)
class RouteExplanation:
    """Everything that decided a routing, for ``yousu route --explain``."""

    decision: RouteDecision
    model: tuple[EntryShare, ...]  # the model's best entries
    retrieval: tuple[EntryShare, ...]  # retrieval's best entries (share of candidates)
    mixture: tuple[EntryShare, ...]
    words: tuple[tuple[str, float], ...]  # the text's features for the chosen entry
    nearest: tuple[Neighbour, ...]  # the nearest corpus lines
    rules: tuple[str, ...]  # rules that fired, in words
    features: Mapping[str, float]  # the calibration's inputs
    financing: float  # the financing head's probability


@dataclass(frozen=True, slots=True)
class AskExplanation:
    answer: Answer
    model: tuple[EntryShare, ...]
    retrieval: tuple[EntryShare, ...]
    words: tuple[tuple[str, float], ...]
    nearest: tuple[Neighbour, ...]
    rules: tuple[str, ...]


@dataclass(slots=True)
class _Mixed:
    """The combination for one complaint, before it becomes a decision."""

    assessment: Assessment
    model: np.ndarray  # per entry (model class order)
    retrieval: np.ndarray
    mixture: np.ndarray
    best: int  # entry index
    unit: str | None
    candidate: Candidate | None
    signal: UnitSignal | None
    features: dict[str, float] = field(default_factory=dict)
    #: the unit head's probability per unit (empty without the head)
    units: Mapping[str, float] = field(default_factory=dict)


class CombinedRouter:
    """``Router``'s interface (``route``, ``aliases``, ``searcher``) over both sources."""

    def __init__(
        self,
        router: Router,
        model: LearnedModel,
        measures: Sequence[Measure],
        *,
        weight: float = ROUTE_WEIGHT,
        name_weight: float = NAME_WEIGHT,
        topic_weight: float = TOPIC_WEIGHT,
        sharpness: float = ROUTE_SHARPNESS,
        financing_weight: float = FINANCING_WEIGHT,
        dispatch_below: float = DISPATCH_BELOW,
        use_rules: bool = True,
        use_unit_head: bool = True,
    ) -> None:
        self.router = router
        self.searcher = router.searcher
        self.model = model
        self.weight = weight
        self.name_weight = name_weight
        self.topic_weight = topic_weight
        self.sharpness = sharpness
        self.financing_weight = financing_weight
        self.dispatch_threshold = dispatch_below
        self.use_rules = use_rules
        self.use_unit_head = use_unit_head and "unit" in model.heads
        self.classes = model.heads["complaint"].classes
        self.measures = _in_class_order(self.classes, measures)
        self._index = {c: i for i, c in enumerate(self.classes)}
        self._calibration: Mapping[str, Any] = model.combiner.get("route", {})
        financing_measures = [
            m for p in router.sla_policies.policies if p.points_to for m in p.measures
        ]
        self._financing_measures = frozenset(financing_measures)
        self._financing_policy = router.sla_policies.financing_policy()
        self._financing_units = router.sla_policies.financing_units()
        self._financial_entries = np.array(
            [
                any(
                    unit_matches(fragment, unit, router.aliases(unit))
                    for fragment in self._financing_units
                    for unit in m.lead_units
                )
                for m in self.measures
            ],
            dtype=np.float64,
        )

    def aliases(self, unit: str) -> tuple[str, ...]:
        return self.router.aliases(unit)

    # -- the pieces -----------------------------------------------------------------------

    def financing(
        self, text: str, probability: float | None = None
    ) -> tuple[bool, float, tuple[str, ...]]:
        """Whether a complaint is a financing request: (verdict, the head's probability,
        trigger words found). ``probability`` replaces the head's (calibration uses the
        out-of-fold one)."""
        cleaned = normalize_query(text)
        rule = self.router.sla_policies.decide(cleaned)
        triggered = rule.policy == self._financing_policy
        p = self.model.financing_probability(cleaned) if probability is None else probability
        return p >= FINANCING_BAR, p, rule.matched_terms if triggered else ()

    def financing_decision(self, text: str, probability: float) -> bool:
        return self.financing(text, probability)[0]

    def unit_probabilities(self, text: str) -> Mapping[str, float]:
        """The unit head's probability per unit for a (normalised) complaint; empty without
        the head."""
        if not self.use_unit_head:
            return {}
        return {str(unit): p for unit, p in self.model.probabilities("unit", text).items()}

    def unit_of(
        self, index: int, assessment: Assessment, units: Mapping[str, float] | None = None
    ) -> tuple[str | None, UnitSignal | None, Candidate | None]:
        """The unit an entry sends the complaint to: the lead unit the text's cues point at,
        else the lead unit the unit head (``units``) finds likeliest, else its first lead
        unit (or group); with the cue and retrieval's candidate."""
        measure = self.measures[index]
        candidate = next((c for c in assessment.candidates if c.hit.measure.id == measure.id), None)
        signal, unit = self.router.unit_signal(measure, assessment.signals)
        if unit is None and len(measure.lead_units) > 1:
            # a lead unit the text shows as refusing or complained about ("去市场监管局问，
            # 人家说破产得找别的部门") is not chosen when the measure has another; among the
            # others the unit head decides, and max keeps the first of equals, so without it
            # the plan's order does
            refused = assessment.not_responsible
            open_leads = [
                u
                for u in measure.lead_units
                if not any(unit_matches(name, u, self.aliases(u)) for name in refused)
            ]
            if open_leads:
                scores = units or {}
                unit = max(open_leads, key=lambda u: scores.get(u, 0.0))
        if unit is None:
            unit = measure.lead_units[0] if measure.lead_units else None
        if unit is None and measure.lead_groups:
            unit = measure.lead_groups[0]
        return unit, signal, candidate

    def mix(self, assessment: Assessment, model: np.ndarray, financing: bool = False) -> _Mixed:
        n = len(self.classes)
        retrieval = np.zeros(n, dtype=np.float64)
        for c in assessment.candidates:
            i = self._index.get(c.hit.measure.id)
            if i is not None and c.score > 0:
                retrieval[i] += c.score**self.sharpness
        total = retrieval.sum()
        if total > 0:
            retrieval /= total
        model = np.asarray(model, dtype=np.float64)
        cues = np.zeros(n, dtype=np.float64)
        if (self.name_weight or self.topic_weight) and assessment.signals:
            named = self.router.signals.name_weight
            for i in range(n):
                signal, _unit = self.router.unit_signal(self.measures[i], assessment.signals)
                if signal is not None:
                    weight = self.name_weight if signal.weight >= named else self.topic_weight
                    cues[i] = weight * signal.weight / named
        mixture = self.weight * model + (1 - self.weight) * retrieval + cues
        if financing and self.use_rules:
            # a financing request belongs to the financial units (the 1330 policy's rule)
            mixture = mixture + self.financing_weight * self._financial_entries
        mixture = mixture / (mixture.sum() or 1.0)
        best = int(np.argmax(mixture))
        units = self.unit_probabilities(assessment.text)
        unit, signal, candidate = self.unit_of(best, assessment, units)
        mixed = _Mixed(
            assessment, model, retrieval, mixture, best, unit, candidate, signal, units=units
        )
        mixed.features = self._features(mixed)
        return mixed

    def _leads(self, index: int) -> tuple[str, ...]:
        m = self.measures[index]
        return (*m.lead_units, *m.lead_groups)

    def _features(self, mixed: _Mixed) -> dict[str, float]:
        unit = mixed.unit
        led = np.array([unit in self._leads(i) for i in range(len(self.classes))], dtype=bool)
        retrieval_best = mixed.assessment.candidates[0] if mixed.assessment.candidates else None
        model_best = int(np.argmax(mixed.model))
        agree = (
            retrieval_best is not None
            and retrieval_best.unit == unit
            and unit in self._leads(model_best)
        )
        return {
            "mixture": float(mixed.mixture[led].sum()),
            "model": float(mixed.model[led].sum()),
            "retrieval": float(mixed.retrieval[led].sum()),
            "agree": 1.0 if agree else 0.0,
            "best_hit": float(retrieval_best.hit.score) if retrieval_best else 0.0,
            "sole_lead": 1.0 if len(self._leads(mixed.best)) == 1 else 0.0,
        }

    def confidence(self, features: Mapping[str, float]) -> float:
        """The calibrated probability that the unit is right (the mixture share when the
        model carries no calibration)."""
        weights = self._calibration.get("weights")
        if not weights or len(weights) != len(ROUTE_FEATURES) + 1:
            return round(features["mixture"], 3)
        z = float(weights[0]) + sum(
            float(w) * features[name] for w, name in zip(weights[1:], ROUTE_FEATURES, strict=True)
        )
        return round(_sigmoid(z), 3)

    # -- routing --------------------------------------------------------------------------

    def route(self, text: str) -> RouteDecision:
        """Decide the lead unit for a complaint; raises ``EmptyQuery`` for empty text."""
        return self._decide(text)[0]

    def _decide(self, text: str) -> tuple[RouteDecision, _Mixed | None, float, tuple[str, ...]]:
        financing, p_financing, triggers = self.financing(text)
        assessment = self.router.assess(text, financing=financing)
        cleaned = assessment.text
        default = self.router.sla_policies.default
        policy = self._financing_policy if financing and self._financing_policy else default
        model = self.model.entry_probabilities(cleaned, "complaint")
        mixed = self.mix(assessment, model, financing)
        choices = self.choices(mixed)
        if mixed.unit is None:
            sla = assessment.sla
            decision = self.router.undecided(cleaned, sla, choices)
            return decision, mixed, p_financing, triggers
        measure = self.measures[mixed.best]
        if (
            policy == default
            and measure.id in self._financing_measures
            and p_financing >= FINANCING_BY_MEASURE
            and self._financing_policy
        ):
            # a complaint under a credit measure is a financing request when the head leans so
            policy = self._financing_policy
        confidence = self.confidence(mixed.features)
        unit = mixed.unit
        co_units = tuple(u for u in (*measure.lead_units, *measure.co_units) if u != unit)
        matched = list(mixed.candidate.hit.matched_terms[:6]) if mixed.candidate else []
        if mixed.signal is not None:
            matched.append(mixed.signal.term)
        matched.extend(triggers)
        decision = RouteDecision(
            text=cleaned,
            lead_unit=unit,
            co_units=co_units,
            measure=MeasureRef.of(measure),
            confidence=confidence,
            sla_policy=policy,
            needs_dispatcher=confidence < self.dispatch_threshold,
            matched_terms=tuple(dict.fromkeys(matched)),
            explanation=self._explain(mixed, measure, policy, p_financing),
            choices=choices,
        )
        return decision, mixed, p_financing, triggers

    def choices(self, mixed: _Mixed, depth: int = 20) -> tuple[UnitChoice, ...]:
        """The units the mixture's best entries send the complaint to, best first."""
        order = np.argsort(-mixed.mixture, kind="stable")[:depth]
        pairs = []
        for index in (int(i) for i in order):
            if mixed.mixture[index] <= 0:
                break
            unit, _signal, _candidate = self.unit_of(index, mixed.assessment, mixed.units)
            pairs.append((unit, self.measures[index]))
        return unit_choices(pairs)

    def _explain(self, mixed: _Mixed, measure: Measure, policy: str, p_financing: float) -> str:
        parts = [f"诉求对应举措（{measure.number}）{measure.title}"]
        parts.append(
            f"模型 {mixed.model[mixed.best]:.2f}、检索 {mixed.retrieval[mixed.best]:.2f}、"
            f"合计 {mixed.mixture[mixed.best]:.2f}"
        )
        signal = mixed.signal
        if signal is not None:
            parts.append(f"“{signal.term}”指向{mixed.unit}")
        elif mixed.units and mixed.unit in measure.lead_units[1:]:
            # not the first lead unit and no cue: the unit head chose it
            share = mixed.units.get(str(mixed.unit), 0.0)
            parts.append(f"该举措有多个牵头单位，此类诉求多由{mixed.unit}办理（{share:.2f}）")
        else:
            parts.append(f"由该举措第一牵头单位{mixed.unit}办理")
        if mixed.assessment.not_responsible:
            named = "、".join(sorted(mixed.assessment.not_responsible))
            parts.append(f"文中“{named}”是推诿或被投诉的一方，不作派单依据")
        parts.append(f"融资诉求概率 {p_financing:.2f}，时限策略：{policy}")
        return "；".join(parts) + "。"

    def explain(self, text: str, *, nearest: int = 3) -> RouteExplanation:
        decision, mixed, p_financing, triggers = self._decide(text)
        cleaned = decision.text
        rules: list[str] = []
        if triggers:
            rules.append(f"融资触发词：{'、'.join(triggers)}（降低融资判定门槛）")
        if mixed is not None and mixed.assessment.not_responsible:
            rules.append(
                "推诿/被投诉单位不作依据：" + "、".join(sorted(mixed.assessment.not_responsible))
            )
        if mixed is not None and mixed.signal is not None:
            s = mixed.signal
            rules.append(f"单位线索：“{s.term}” -> {mixed.unit}（权重 {s.weight:.2f}）")
        if mixed is not None and mixed.signal is None and decision.measure is not None:
            leads = self.measures[mixed.best].lead_units
            if len(leads) > 1 and mixed.units:
                shares = "、".join(f"{u} {mixed.units.get(u, 0.0):.2f}" for u in leads)
                rules.append(f"多个牵头单位，按单位模型选 {mixed.unit}：{shares}")
        words: tuple[tuple[str, float], ...] = ()
        if decision.measure is not None:
            words = tuple(self.model.words_for("complaint", cleaned, decision.measure.id))
        model_part = mixed.model if mixed is not None else np.zeros(len(self.classes))
        retrieval_part = mixed.retrieval if mixed is not None else np.zeros(len(self.classes))
        mixture_part = mixed.mixture if mixed is not None else np.zeros(len(self.classes))
        return RouteExplanation(
            decision=decision,
            model=self._top(model_part),
            retrieval=self._top(retrieval_part),
            mixture=self._top(mixture_part),
            words=words,
            nearest=tuple(self.model.nearest(cleaned, nearest, kinds=("complaint",))),
            rules=tuple(rules),
            features=dict(mixed.features) if mixed is not None else {},
            financing=round(p_financing, 3),
        )

    def _top(self, shares: np.ndarray, k: int = 3) -> tuple[EntryShare, ...]:
        order = np.argsort(-shares, kind="stable")[:k]
        return tuple(
            EntryShare(self.classes[i], self.measures[i].title, round(float(shares[i]), 3))
            for i in order
            if shares[i] > 0
        )


def _sentence_of(answer: str, sentences: Sequence[str]) -> int | None:
    """Which of ``sentences`` a corpus answer is: the one containing it or contained in it
    (the writers' sentence splitting differs a little from ours), else None."""
    for i, sentence in enumerate(sentences):
        if answer in sentence or sentence in answer:
            return i
    return None


class CombinedAsker:
    """``Searcher.answer``'s interface over the question head and retrieval together."""

    def __init__(
        self,
        searcher: Searcher,
        model: LearnedModel,
        *,
        weight: float = ASK_WEIGHT,
        sharpness: float = ASK_SHARPNESS,
        confident_at: float = ANSWER_CONFIDENT,
    ) -> None:
        self.searcher = searcher
        self.model = model
        self.weight = weight
        self.sharpness = sharpness
        self.confident_at = confident_at
        #: the sentence ranker's weights (``sentences.FEATURES`` order): fitted at training,
        #: else the hand formula
        self.sentence_weights = sentence_ranker.weights_of(model.combiner)
        self.classes = model.heads["question"].classes
        self.measures = _in_class_order(self.classes, searcher.measures)
        self._index = {c: i for i, c in enumerate(self.classes)}
        #: each measure's sentence vectors, stacked, computed on first use (sentences do
        #: not change)
        self._sentence_vectors: dict[str, SparseRows] = {}
        #: each measure's corpus questions with an answer (rows of ``model.examples``), their
        #: vectors stacked, and the sentence each one's answer is, computed on first use
        self._answered: dict[str, tuple[list[ExampleRef], SparseRows, np.ndarray]] = {}
        self._answered_rows: dict[str, list[int]] | None = None

    def _answered_of(
        self, measure: Measure, sentences: Sequence[str]
    ) -> tuple[list[ExampleRef], SparseRows, np.ndarray]:
        found = self._answered.get(measure.id)
        if found is None:
            if self._answered_rows is None:  # one pass over the kept lines for every entry
                by_entry: dict[str, list[int]] = {}
                for row, example in enumerate(self.model.examples):
                    if example.kind == "question" and example.answer and example.entry:
                        by_entry.setdefault(example.entry, []).append(row)
                self._answered_rows = by_entry
            refs: list[ExampleRef] = []
            vectors: list[SparseVector] = []
            picked: list[int] = []
            for row in self._answered_rows.get(measure.id, []):
                example = self.model.examples[row]
                i = _sentence_of(str(example.answer), sentences)
                if i is not None:
                    refs.append(example)
                    vectors.append(self.model.example_vector(row))
                    picked.append(i)
            found = (refs, SparseRows.of(vectors), np.array(picked, dtype=np.int64))
            self._answered[measure.id] = found
        return found

    def _votes(
        self, question: str, measure: Measure, sentences: Sequence[str], own: str | None = None
    ) -> np.ndarray:
        """Each sentence's share of the votes of the ``VOTERS`` corpus questions about
        ``measure`` nearest to ``question`` (each voting its similarity for its answer); the
        corpus line ``own`` does not vote (evaluation and fitting: leave it out)."""
        return self._vote_detail(question, measure, sentences, own)[0]

    def _vote_detail(
        self, question: str, measure: Measure, sentences: Sequence[str], own: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The votes (``_votes``), and for each sentence the similarity of the labelled
        question nearest to ``question`` that it answers (0 when none does)."""
        votes = np.zeros(len(sentences), dtype=np.float64)
        nearest = np.zeros(len(sentences), dtype=np.float64)
        refs, vectors, picked = self._answered_of(measure, sentences)
        if not refs:
            return votes, nearest
        sims = vectors.dot(self.model.vector(question))
        if own is not None:
            sims = np.where(np.array([r.text == own for r in refs]), -1.0, sims)
        np.maximum.at(nearest, picked, np.clip(sims, 0.0, None))
        for j in np.argsort(-sims, kind="stable")[:VOTERS]:
            votes[picked[j]] += max(0.0, float(sims[j]))
        total = votes.sum()
        return (votes / total if total > 0 else votes), nearest

    def _vectors_of(self, measure: Measure, sentences: Sequence[str]) -> SparseRows:
        found = self._sentence_vectors.get(measure.id)
        if found is None:
            transform = self.model.vectorizer.transform
            found = SparseRows.of([transform(sentence) for sentence in sentences])
            self._sentence_vectors[measure.id] = found
        return found

    def _mix(self, question: str) -> tuple[str, Answer, np.ndarray, np.ndarray, np.ndarray]:
        cleaned = normalize_query(question)
        retrieved = self.searcher.answer(
            cleaned, limit=self.searcher.weights.candidates, snippets=False
        )
        retrieval = np.zeros(len(self.classes), dtype=np.float64)
        for hit in retrieved.hits:
            i = self._index.get(hit.measure.id)
            if i is not None:
                retrieval[i] = hit.score**self.sharpness
        total = retrieval.sum()
        if total > 0:
            retrieval /= total
        model = np.asarray(self.model.entry_probabilities(cleaned, "question"), dtype=np.float64)
        return (
            cleaned,
            retrieved,
            model,
            retrieval,
            self.weight * model + (1 - self.weight) * retrieval,
        )

    def answer(self, question: str, limit: int = 5, *, snippets: bool = True) -> Answer:
        """The measures that answer ``question``, best first; raises ``EmptyQuery``."""
        cleaned, retrieved, _model, retrieval, mixture = self._mix(question)
        order = [int(i) for i in np.argsort(-mixture, kind="stable")[:limit]]
        weights = self.searcher.term_weights(cleaned) if snippets else {}
        hits: list[Hit] = []
        for i in order:
            share = float(mixture[i])
            if share < MIN_SHOWN or (retrieval[i] <= 0 and share < MIN_SHOWN_UNRETRIEVED):
                continue
            measure = self.measures[i]
            if snippets:
                snippet, matched = self.sentence(cleaned, measure, weights)
            else:
                snippet, matched = self.searcher.sentences_of(measure)[0], []
            hits.append(Hit(measure, round(share, 3), snippet, tuple(matched)))
        confident = bool(hits) and (
            hits[0].score >= self.confident_at
            or (
                retrieved.confident
                and bool(retrieved.hits)
                and retrieved.hits[0].measure.id == hits[0].measure.id
            )
        )
        return Answer(retrieved.question, tuple(hits), confident, retrieved.expansions)

    def search(self, question: str, limit: int = 5) -> list[Hit]:
        return list(self.answer(question, limit).hits)

    def sentence_rows(
        self,
        question: str,
        measure: Measure,
        weights: Mapping[str, float] | None = None,
        *,
        own: str | None = None,
    ) -> tuple[list[str], list[list[str]], np.ndarray]:
        """The candidate sentences of ``measure`` for ``question``, the question's terms in
        each, and their ranker features (``sentences.FEATURES``); the corpus line ``own``
        does not vote (fitting: the question itself)."""
        sentences = self.searcher.sentences_of(measure)
        if weights is None:
            weights = self.searcher.term_weights(question)
        lexical, matched = score_sentences(measure, sentences, question, weights)
        similarity = list(self._vectors_of(measure, sentences).dot(self.model.vector(question)))
        votes, nearest = self._vote_detail(question, measure, sentences, own)
        rows = sentence_ranker.features(
            question,
            sentences,
            lexical,
            similarity,
            list(votes),
            problem_only_sentences(measure),
            nearest=list(nearest),
            title=measure.title,
        )
        return sentences, matched, rows

    def sentence(
        self, question: str, measure: Measure, weights: Mapping[str, float] | None = None
    ) -> tuple[str, list[str]]:
        """The sentence of ``measure`` that answers ``question``, and the question's terms in
        it: the ranker (``knowledge.learned.sentences``) over retrieval's term score, the
        learned closeness of sentence and question, the nearest labelled questions' votes,
        figures for number questions, ... ``weights``: the question's term weights, when the
        caller has them already."""
        sentences, matched, rows = self.sentence_rows(question, measure, weights)
        i = sentence_ranker.best(rows, self.sentence_weights)
        return sentences[i], matched[i]

    def explain(self, question: str, *, nearest: int = 3, limit: int = 5) -> AskExplanation:
        answer = self.answer(question, limit)
        cleaned, _retrieved, model, retrieval, _mixture = self._mix(question)
        rules: list[str] = []
        if sentence_ranker.asks_for_number(cleaned):
            rules.append("问数字：优先引用含数字的句子")
        if answer.expansions:
            rules.append("同义扩展：" + "；".join(answer.expansions[:6]))
        words: tuple[tuple[str, float], ...] = ()
        if answer.hits:
            words = tuple(self.model.words_for("question", cleaned, answer.hits[0].measure.id))
        return AskExplanation(
            answer=answer,
            model=_top(self.classes, self.measures, model),
            retrieval=_top(self.classes, self.measures, retrieval),
            words=words,
            nearest=tuple(self.model.nearest(cleaned, nearest, kinds=("question",))),
            rules=tuple(rules),
        )


def _top(
    classes: Sequence[str], measures: Sequence[Measure], shares: np.ndarray, k: int = 3
) -> tuple[EntryShare, ...]:
    order = np.argsort(-shares, kind="stable")[:k]
    return tuple(
        EntryShare(classes[i], measures[i].title, round(float(shares[i]), 3))
        for i in order
        if shares[i] > 0
    )


def fit_route_calibration(
    router: CombinedRouter,
    texts: Iterable[str],
    probabilities: np.ndarray,
    financing: Iterable[float],
    correct_units: Iterable[Sequence[str]],
) -> dict[str, Any]:
    """The logistic calibration of the routing confidence, fitted on out-of-fold model
    probabilities (rows of ``probabilities``, complaint-head class order)."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - training only

    rows: list[list[float]] = []
    truth: list[int] = []
    for text, p, p_fin, units in zip(texts, probabilities, financing, correct_units, strict=True):
        fin = router.financing_decision(text, p_fin)
        assessment = router.router.assess(text, financing=fin)
        mixed = router.mix(assessment, p, fin)
        rows.append([mixed.features[name] for name in ROUTE_FEATURES])
        truth.append(int(mixed.unit in units))
    fit = LogisticRegression(C=1.0, max_iter=1000).fit(np.array(rows), np.array(truth))
    weights = [float(fit.intercept_[0]), *(float(w) for w in fit.coef_[0])]
    return {
        "weights": [round(w, 6) for w in weights],
        "features": list(ROUTE_FEATURES),
        "accuracy": round(float(np.mean(truth)), 4),
        "examples": len(truth),
    }
