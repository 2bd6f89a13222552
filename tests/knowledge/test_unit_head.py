"""The unit head: which of a measure's several lead units takes a complaint.

The plan names several lead units for 41 of its 87 entries without saying who takes what;
routing sends every such complaint to the first unless the text points at another. The unit
head learns it from the complaints whose unit is certain (an entry with one lead unit) and
from the units the writers of spent blind batches accepted; the shipped model has it (one
writer left out it does better than the first lead unit, ``bench/spent_lobo.py``), and a
model built without it falls back to the first. Small models are trained on a few entries
(seconds). Also here: the routing confidence learns from the writers' accepted units.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from knowledge import brain
from knowledge.learned.build import build_model, build_trained, route_calibration
from knowledge.learned.combine import ROUTE_FEATURES, CombinedRouter
from knowledge.learned.corpus import (
    ENTRY_FILES,
    MESSAGE_FILE,
    SITUATION_FILES,
    Corpus,
    CorpusError,
    Example,
    load_corpus,
)
from knowledge.learned.model import LearnedModel
from knowledge.learned.train import HEADS, UNIT_HEAD, _unit_examples
from knowledge.routing.units import UnitSignal

#: a complaint about the shared entry that names no unit and holds no unit's cue word
CONTRACT = "新班子说前任签的投资合同要重新审一遍才认"
#: 2023-44 (新官不理旧账…) is led by 区政府办 then 区司法局
SHARED = "2023-44"
FIRST, SECOND = "区政府办", "区司法局"
SMALL_ENTRIES = {"2023-16", "2023-26", "2023-34", "2023-43", SHARED}

#: matters the writers sent to the second lead unit: contracts and legal review
TO_SECOND = [
    "新来的镇长说前任签的合同不算数，要我们重新走法律审查",
    "换了领导以后说原来的协议条款违法，合同要作废，这合法吗",
    "政府和我们签的合同，现在说合同审查没过，要重新签",
    "镇里说以前的投资协议没经过合法性审查，不认了",
    "合同是上一届班子签的，新班子说法律顾问审过不合法",
    "协议签了三年，现在说条款不合法要解除，我们投的钱咋办",
    "新官说旧合同有法律问题，拒绝履行，让我们去打官司",
    "换届后说原来的合同程序不合法，项目叫停了",
]
#: and those they sent to the first: promises and payments of the district government
TO_FIRST = [
    "招商时区里承诺的奖励，换了领导以后就不兑现了",
    "说好的厂房租金减免，新领导来了说没这回事",
    "前任答应的配套道路到现在没修，新班子说没钱",
    "招商引资时说给的补贴，领导一换就不提了",
    "承诺三年免租，第二年就开始收了，说是新领导的意思",
    "区里答应的用地指标，换了人就不给了",
    "原来说好的扶持资金，新来的领导说等研究研究",
    "签约时承诺的水电配套，领导调走后没人管了",
]


def _spent(text: str, unit: str) -> Example:
    return Example(
        text=text,
        kind="complaint",
        group="spent",
        entry=SHARED,
        style="spent:complaints.2099-01-01a.jsonl",
        sla="general",
        units=(unit,),
    )


def _corpus(with_spent: bool) -> Corpus:
    corpus = load_corpus()
    entries = tuple(e for e in corpus.entries if e.entry in SMALL_ENTRIES and e.group != "spent")
    spent = (
        tuple(_spent(t, SECOND) for t in TO_SECOND) + tuple(_spent(t, FIRST) for t in TO_FIRST)
        if with_spent
        else ()
    )
    messages = tuple(m for m in corpus.messages if m.group != "spent")[::5]
    return Corpus(entries + spent, messages)


@pytest.fixture(scope="module")
def small() -> CombinedRouter:
    heads = [*(h for h in HEADS if h.name in ("complaint", "financing")), UNIT_HEAD]
    model = build_model(corpus=_corpus(True), heads=heads, version="unit-test")
    retrieval = brain.retrieval_router()
    return CombinedRouter(retrieval, model, retrieval.searcher.measures)


# -- the examples the head learns from ------------------------------------------------------


def test_the_head_learns_only_units_that_are_certain() -> None:
    measures = brain.retrieval_router().searcher.measures
    sole = Example("新公司执照办了五天", "complaint", "part1", entry="2023-16")
    shared = Example("新领导不认旧合同", "complaint", "part1", entry=SHARED)
    asked = Example("开办企业要几天", "question", "part1", entry="2023-16")
    two = Example("欠款不还", "complaint", "spent", entry=SHARED, units=(FIRST, SECOND))
    plan = [Example("实现企业开办全程1个工作日办结", "question", "plan", entry="2023-16")]
    rows = _unit_examples(Corpus((sole, shared, asked, two), ()), plan, measures)
    assert (sole, "区市场监管局", 1.0) in rows
    # an entry with two lead units says nothing about which one; questions say nothing
    assert not any(ex in (shared, asked) for ex, _unit, _w in rows)
    # a writer who accepted two units: each counts half
    assert {(u, w) for ex, u, w in rows if ex is two} == {(FIRST, 0.5), (SECOND, 0.5)}
    # the plan's own sentences of a one-lead entry, weighted lower
    assert [(u, w) for ex, u, w in rows if ex.group == "plan"] == [("区市场监管局", 0.5)]


def test_the_shipped_model_chooses_among_lead_units_with_its_unit_head() -> None:
    router = brain.router()
    assert isinstance(router, CombinedRouter)
    assert "unit" in router.model.heads and router.use_unit_head
    units = router.unit_probabilities("新领导不认旧合同")
    assert units and abs(sum(units.values()) - 1.0) < 1e-6


def test_the_spent_batches_carry_their_accepted_units(tmp_path: Path) -> None:
    corpus = load_corpus()
    # every complaint of a spent complaint batch (the chat batches' complaints name no unit)
    spent = [e for e in corpus.all if e.style.startswith("spent:complaints.")]
    assert spent and all(e.units for e in spent)
    assert all(not e.units for e in corpus.all if e.kind != "complaint")
    # a malformed units field is refused with a clear error, not read as no units
    for name in (*ENTRY_FILES, *SITUATION_FILES, MESSAGE_FILE):
        (tmp_path / name).write_text("", encoding="utf-8")
    for bad in ('"区政府办"', "[1]", '[""]'):
        line = f'{{"kind": "complaint", "text": "欠款", "units": {bad}}}\n'
        (tmp_path / "spent.jsonl").write_text(line, encoding="utf-8")
        with pytest.raises(CorpusError, match="units"):
            load_corpus(tmp_path)


# -- choosing among the lead units ----------------------------------------------------------


def _index(router: CombinedRouter, entry: str) -> int:
    return router.classes.index(entry)


def test_the_likelier_lead_unit_takes_the_complaint(small: CombinedRouter) -> None:
    assessment = small.router.assess("合同")
    i = _index(small, SHARED)
    assert small.unit_of(i, assessment, {FIRST: 0.1, SECOND: 0.6})[0] == SECOND
    assert small.unit_of(i, assessment, {FIRST: 0.6, SECOND: 0.1})[0] == FIRST
    # no head, or a tie: the plan's order
    assert small.unit_of(i, assessment, {})[0] == FIRST
    assert small.unit_of(i, assessment, {FIRST: 0.3, SECOND: 0.3})[0] == FIRST
    # a unit the head does not know is never preferred to one it does
    assert small.unit_of(i, assessment, {"区工信局": 0.9, SECOND: 0.05})[0] == SECOND
    # an entry with one lead unit: the head has no say
    one = _index(small, "2023-16")
    assert small.unit_of(one, assessment, {"区工信局": 0.9})[0] == "区市场监管局"


def test_a_unit_the_text_points_at_still_wins(small: CombinedRouter) -> None:
    signal = UnitSignal(fragment="政府办", weight=1.0, term="区政府办")
    cued = replace(small.router.assess("合同"), signals={"政府办": signal})
    assert small.unit_of(_index(small, SHARED), cued, {SECOND: 0.9})[0] == FIRST


def test_the_head_learns_which_lead_unit_takes_which_matter(small: CombinedRouter) -> None:
    promise = "招商时承诺的奖励资金，领导换了就不给了"
    p_contract = small.unit_probabilities(small.router.assess(CONTRACT).text)
    p_promise = small.unit_probabilities(small.router.assess(promise).text)
    assert p_contract[SECOND] > p_contract[FIRST]
    assert p_promise[FIRST] > p_promise[SECOND]
    assessment = small.router.assess(CONTRACT)
    assert not assessment.signals  # no cue word: the head alone decides
    decision = small.route(CONTRACT)
    assert decision.measure is not None and decision.measure.id == SHARED
    assert decision.lead_unit == SECOND
    assert "多个牵头单位" in decision.explanation
    # without the head, the same model sends it to the first lead unit
    plain = CombinedRouter(small.router, small.model, small.measures, use_unit_head=False)
    assert plain.unit_probabilities(CONTRACT) == {}
    assert plain.route(CONTRACT).lead_unit == FIRST


def test_the_writers_units_teach_the_split() -> None:
    """Without the spent lines the head knows each unit only from other matters: the
    writers' units move the shared entry's complaints towards the unit they chose."""
    heads = [UNIT_HEAD]
    without = build_model(corpus=_corpus(False), heads=heads, calibrate=False, version="u0")
    with_spent = build_model(corpus=_corpus(True), heads=heads, calibrate=False, version="u1")

    def lean(model: LearnedModel, text: str) -> float:
        p = model.probabilities("unit", text)
        return p.get(SECOND, 0.0) - p.get(FIRST, 0.0)

    assert lean(with_spent, CONTRACT) > lean(without, CONTRACT)
    promise = "原来说好的配套资金，换了领导就不给了"
    assert lean(with_spent, promise) < lean(without, promise)


def test_route_explain_names_the_unit_head(small: CombinedRouter) -> None:
    text = CONTRACT
    explanation = small.explain(text)
    assert explanation.decision.measure and explanation.decision.measure.id == SHARED
    rule = next(r for r in explanation.rules if r.startswith("多个牵头单位"))
    assert f"选 {SECOND}" in rule and FIRST in rule


def test_the_confidence_learns_that_not_every_lead_unit_is_right() -> None:
    """The calibration counts a spent complaint right only when its writer accepted the
    unit, and knows whether the entry had a choice of lead units at all."""
    heads = [h for h in HEADS if h.name in ("complaint", "financing")]
    corpus = _corpus(True)
    model, trained = build_trained(corpus, heads, "cal")
    # the writers accepted only the unit the router does not choose without the head
    to_second = [
        replace(e, units=(SECOND,)) if e.group == "spent" else e
        for e in trained.heads["complaint"].oof_examples
    ]
    trained.heads["complaint"].oof_examples = to_second
    strict = route_calibration(model, trained, use_unit_head=False)
    # the same lines, but any lead unit of their entry right (the corpus's rule)
    trained.heads["complaint"].oof_examples = [replace(e, units=()) for e in to_second]
    lenient = route_calibration(model, trained, use_unit_head=False)
    assert strict["features"] == list(ROUTE_FEATURES) and "sole_lead" in ROUTE_FEATURES
    assert float(strict["accuracy"]) < float(lenient["accuracy"])
    spent = sum(1 for e in to_second if e.group == "spent")
    total = int(strict["examples"])
    assert spent == len(TO_SECOND) + len(TO_FIRST)
    # every spent line the router sends to the first lead unit is now wrong
    assert round((float(lenient["accuracy"]) - float(strict["accuracy"])) * total) == spent
