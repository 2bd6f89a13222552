"""Routing rules and SLA policy detection, with hand-made measures and data files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.routing import Router
from knowledge.routing.sla import SlaPolicyDataError, load_sla_policies
from knowledge.routing.units import RoutingDataError, load_unit_signals
from knowledge.search import EmptyQuery, Searcher


def test_complaint_goes_to_first_lead_unit(small_router: Router) -> None:
    decision = small_router.route("车间变压器增容申请了一个多月还没装表")
    assert decision.lead_unit == "区供电公司"
    assert decision.measure is not None and decision.measure.id == "2023-26"
    assert decision.sla_policy == "general"
    assert "变压器" in " ".join(decision.matched_terms) or decision.matched_terms


def test_text_naming_another_lead_unit_goes_there(small_router: Router) -> None:
    # measure 62 is led by 区商务局 then 税务局; the complaint is about the tax office
    decision = small_router.route("出口退税在税务局卡了两个月，税务大厅说系统问题")
    assert decision.measure is not None and decision.measure.id == "2023-62"
    assert decision.lead_unit == "税务局"
    assert "区商务局" in decision.co_units


def test_default_lead_unit_without_unit_cue(small_router: Router) -> None:
    decision = small_router.route("出口退税办理太慢了，能不能再优化")
    assert decision.lead_unit == "区商务局"


def test_financing_request_gets_1330_and_financial_unit(small_router: Router) -> None:
    decision = small_router.route("申请的流动资金贷款银行审批快两个月了还没放款")
    assert decision.sla_policy == "1330"
    assert decision.lead_unit == "区金融工作局"
    assert decision.co_units[:2] == ("中国人民银行偃师支行", "偃师银保监组")


def test_decision_is_explained(small_router: Router) -> None:
    decision = small_router.route("厂里停电太频繁")
    assert "优化办电服务" in decision.explanation
    assert 0.0 <= decision.confidence <= 1.0


def test_unrelated_complaint_needs_dispatcher(small_router: Router) -> None:
    decision = small_router.route("hello, is anybody there?")
    assert decision.needs_dispatcher
    assert decision.confidence < small_router.dispatch_threshold


def test_threshold_decides_dispatcher(small_searcher: Searcher) -> None:
    text = "厂里停电太频繁"
    assert Router(small_searcher, dispatch_threshold=1.01).route(text).needs_dispatcher
    assert not Router(small_searcher, dispatch_threshold=0.0).route(text).needs_dispatcher


def test_aliases_from_the_registry_are_used(small_searcher: Searcher) -> None:
    aliases = {"税务局": ("国家税务总局偃师区税务局", "偃师税务")}
    router = Router(small_searcher, aliases_of=lambda u: aliases.get(u, ()))
    decision = router.route("出口退税被偃师税务退回三次")
    assert decision.lead_unit == "税务局"


@pytest.mark.parametrize("text", ["", "   ", "🙂", "<p></p>"])
def test_empty_complaint_is_a_named_error(small_router: Router, text: str) -> None:
    with pytest.raises(EmptyQuery):
        small_router.route(text)


@pytest.mark.parametrize(
    "text",
    [
        "银行突然抽贷，企业资金链要断了",
        "续贷申请被拒",
        "想办信用贷款",
        "融资担保公司要求反担保",
        "贷款审批超过30个工作日",
        "找银行借点钱周转",
        "想贷300万流动资金，一个多月没结果",
        "资金链紧张，周转不开",
    ],
)
def test_financing_words_trigger_1330(text: str) -> None:
    assert load_sla_policies().decide(text).policy == "1330"


@pytest.mark.parametrize(
    "text",
    [
        "新公司银行开户要预约多久",
        "工资拖欠三个月",
        "税务发票开不出来",
        "政府采购货款不付",
        "公积金贷款的抵押登记要跑几趟",
    ],
)
def test_other_complaints_are_general(text: str) -> None:
    assert load_sla_policies().decide(text).policy == "general"


def test_policy_follows_the_measure_when_the_words_do_not_say_loan(tmp_path: Path) -> None:
    path = tmp_path / "sla.json"
    path.write_text(
        json.dumps(
            {
                "default": "general",
                "policies": [{"name": "1330", "triggers": ["贷"], "measures": ["2023-34"]}],
            }
        ),
        encoding="utf-8",
    )
    table = load_sla_policies(path)
    assert table.decide("厂房抵押给银行，评估价太低").policy == "general"
    by_measure = table.for_measure("2023-34")
    assert by_measure is not None and by_measure.policy == "1330"
    assert table.for_measure("2023-16") is None


@pytest.mark.parametrize(
    "text",
    [
        "厂房抵押给银行，评估价压得太低，只能拿到一半的钱",
        "能不能帮忙对接几家银行，我们缺一笔周转的钱",
    ],
)
def test_complaint_routed_to_a_financing_measure_gets_1330(text: str) -> None:
    """The retrieval router's rule (the combined router's own 1330 cases are in
    tests/knowledge/test_learned.py)."""
    from knowledge import brain  # noqa: PLC0415 - the shipped knowledge base, loaded lazily

    decision = brain.retrieval_router().route(text)
    assert decision.lead_unit is not None and "金融" in decision.lead_unit
    assert decision.sla_policy == "1330"


def test_policies_are_data(tmp_path: Path) -> None:
    path = tmp_path / "sla.json"
    path.write_text(
        json.dumps(
            {
                "default": "general",
                "policies": [{"name": "urgent-power", "triggers": ["停电"]}],
            }
        ),
        encoding="utf-8",
    )
    table = load_sla_policies(path)
    decision = table.decide("厂里又停电了")
    assert decision.policy == "urgent-power"
    assert decision.matched_terms == ("停电",)
    assert table.names() == ["general", "urgent-power"]


@pytest.mark.parametrize(
    "content",
    [
        "{",
        json.dumps({"default": "general"}),
        json.dumps({"default": "g", "policies": [{"name": "x", "triggers": []}]}),
    ],
)
def test_bad_policy_file_is_a_named_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "sla.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SlaPolicyDataError):
        load_sla_policies(path)


def test_bad_routing_file_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "routing.json"
    path.write_text(json.dumps({"units": [{"unit": "供电"}]}), encoding="utf-8")
    with pytest.raises(RoutingDataError):
        load_unit_signals(path)


def test_unit_names_outweigh_topics() -> None:
    signals = load_unit_signals().signals("供电所说变压器要排计划")
    assert signals["供电"].term == "供电所"
    topic_only = load_unit_signals().signals("变压器要排计划")
    assert topic_only["供电"].weight < signals["供电"].weight


def test_a_unit_named_outright_damps_other_units_topic_words() -> None:
    table = load_unit_signals()
    alone = table.signals("窗口让我们来回跑了三趟")
    named = table.signals("市场监管窗口要求的材料和网上公布的不一样")
    topic = next(f for f, s in alone.items() if s.term == "窗口")
    assert named[topic].weight == pytest.approx(alone[topic].weight * 0.5)
    assert max(named.values(), key=lambda s: s.weight).term == "市场监管"


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=600))
def test_any_text_routes_or_is_empty(text: str) -> None:
    router = _router()
    try:
        decision = router.route(text)
    except EmptyQuery:
        return
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.sla_policy in {"general", "1330"}
    assert decision.needs_dispatcher == (decision.confidence < router.dispatch_threshold)


_ROUTER: list[Router] = []


def _router() -> Router:
    # hypothesis cannot use function-scoped fixtures; build the small router once
    from tests.knowledge.conftest import SMALL_MEASURES  # noqa: PLC0415

    if not _ROUTER:
        _ROUTER.append(Router(Searcher(SMALL_MEASURES)))
    return _ROUTER[0]


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("我去财政局反映，财政局说不归他们管", {"财政局", "财政"}),
        ("公安把账户冻了", {"公安"}),
        ("派出所说是民事纠纷不管", {"派出所"}),
        ("法院说没有判决书没法执行", {"法院"}),
        ("我去住建局，住建局说这个不能办", {"住建局", "住建"}),
        ("去市场监管局问，人家说破产得找别的部门", {"市场监管局", "市场监管"}),
        ("向税务局反映，答复称此事不属其职责范围", {"税务局", "税务"}),
        ("公安将其公司基本账户整体冻结", {"公安"}),
        ("公安把我们培训学校的基本账户整个冻住了", {"公安"}),
        ("给生态环境局打电话，他们说安全隐患这事归别的部门", {"生态环境局"}),
        ("供电所一直不给装表", set()),
        ("去税务局办退税一直不给退", set()),
    ],
)
def test_a_unit_shown_as_not_responsible_gives_no_signal(text: str, refused: set[str]) -> None:
    table = load_unit_signals()
    assert table.not_responsible_names(text) == refused
    named = {s.term for s in table.signals(text).values()}
    assert not (named & refused)


@pytest.mark.parametrize(
    ("text", "unit", "absent"),
    [
        # a product's own name is its unit's topic, not a 贷 of the financial units
        ("想申请信易贷，平台上提交了没动静", "发改", "金融工作"),
        ("区里有没有政府性融资担保机构", "财政", "金融工作"),
        # the hotline's "来电人" is the caller, not power coming back
        ("来电人反映：隔壁仓库存放危险化学品。诉求：上门检查", "应急管理", "供电"),
        # a pharmacy's medical insurance is the health commission's, not the schools'
        ("药房申请医保定点快一年了", "卫健", "教体"),
    ],
)
def test_topic_words_point_at_the_unit_whose_matter_it_is(
    text: str, unit: str, absent: str
) -> None:
    signals = load_unit_signals().signals(text)
    assert unit in signals
    assert absent not in signals


def test_a_refusing_unit_s_topic_words_do_not_bring_it_back() -> None:
    table = load_unit_signals()
    refusing = "去市场监管局问，人家说破产得找别的部门，注销才归他们"
    assert table.not_responsible_names(refusing)
    assert "注销" not in {s.term for s in table.signals(refusing).values()}
    # the same topic word still points at the unit where no one refused
    plain = "公司想注销，材料交了一个月还没办完"
    assert "注销" in {s.term for s in table.signals(plain).values()}
