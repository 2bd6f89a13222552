"""The 2023 plan in the shipped knowledge base: counts, ids, titles, deadlines, units."""

from __future__ import annotations

import pytest

from knowledge.base import KnowledgeBase, MeasureNotFound


def test_the_plan_has_72_measures_with_unique_ids(kb: KnowledgeBase) -> None:
    plan = kb.of_doc("2023-plan")
    assert len(plan) == 72
    ids = [m.id for m in plan]
    assert len(set(ids)) == 72
    assert ids[0] == "2023-1" and ids[-1] == "2023-69"
    numbers = [int(m.number) for m in plan]
    assert sorted(set(numbers)) == list(range(1, 70))
    assert [n for n in set(numbers) if numbers.count(n) > 1] == [45, 46, 47]


def test_measures_come_2023_first_then_2022(kb: KnowledgeBase) -> None:
    docs = [m.doc for m in kb.measures]
    assert docs == ["2023-plan"] * 72 + ["2022-rectification"] * 15


def test_repeated_numbers_get_b_ids_under_subsection_14(kb: KnowledgeBase) -> None:
    first, second = kb.by_id("2023-45"), kb.by_id("2023-45b")
    assert first.number == second.number == "45"
    assert first.subsection == "13．构建快速响应的政企沟通机制"
    assert second.subsection == "14．强化市场主体法治保障和服务"
    assert first.title == "建立迅速响应的投诉反映机制"
    assert second.title == "创新企业权益保护长效机制"
    assert first.lead_units == ("区政务服务和大数据管理局", "区政务服务中心")
    assert second.lead_units == ("区委政法委",)
    assert second.co_units == ("区人民法院", "区人民检察院", "区公安分局", "区司法局")
    assert kb.by_id("2023-47b").deadline.normalized == "2023-09"


@pytest.mark.parametrize(
    ("measure_id", "title", "deadline", "lead_units"),
    [
        ("2023-1", "支持企业参与决策", "2023-06", ("区政府办", "区工信局", "区工商联")),
        ("2023-16", "持续优化企业开办服务", "2023-11", ("区市场监管局",)),
        (
            "2023-34",
            "提升金融服务能力",
            "2023-12",
            ("区金融工作局", "中国人民银行偃师支行", "洛阳银保监局偃师监管组"),
        ),
        ("2023-26", "优化办电服务", "2023-09", ("国网洛阳市偃师供电公司",)),
        ("2023-41", "推动政务诚信教育全覆盖", "持续推进", ("区委组织部",)),
        ("2023-53", "加强警企互动，护航企业发展", "2023-10", ("区公安分局",)),
        (
            "2023-69",
            "优化综合立体交通",
            "2023-10",
            ("区交通运输局", "区住建局", "区城市管理局"),
        ),
    ],
)
def test_titles_deadlines_and_lead_units(
    kb: KnowledgeBase, measure_id: str, title: str, deadline: str, lead_units: tuple[str, ...]
) -> None:
    measure = kb.by_id(measure_id)
    assert measure.title == title
    assert measure.deadline.normalized == deadline
    assert measure.lead_units == lead_units


def test_sections_and_subsections_are_printed_headings(kb: KnowledgeBase) -> None:
    first = kb.by_id("2023-1")
    assert first.section == "（一）打造高效便捷的政务环境"
    assert first.subsection == "1．提升涉企决策水平"
    assert kb.by_id("2023-69").section == "（五）打造包容普惠的创新环境"
    # the section heading of （二） ends in a full-width space in the source
    assert kb.by_id("2023-14").section == "（二）打造规范有序的市场环境"


def test_measure_40_has_its_deadline_on_the_text_line(kb: KnowledgeBase) -> None:
    measure = kb.by_id("2023-40")
    assert measure.deadline.raw == "2022年9月"
    assert measure.deadline.normalized == "2022-09"
    assert "时间节点" not in measure.text
    assert measure.text.endswith("研究推行内部人举报和惩罚性赔偿等制度。")


def test_measures_38_to_40_keep_the_printed_2022_year(kb: KnowledgeBase) -> None:
    assert [kb.by_id(f"2023-{n}").deadline.normalized for n in (38, 39, 40)] == [
        "2022-07",
        "2022-09",
        "2022-09",
    ]


def test_measure_25_has_only_a_co_group(kb: KnowledgeBase) -> None:
    measure = kb.by_id("2023-25")
    assert measure.lead_units == ("自然资源和规划局偃师分局",)
    assert measure.co_units == ()
    assert measure.co_groups == ("区直相关部门",)


def test_co_units_and_groups_are_separated(kb: KnowledgeBase) -> None:
    measure = kb.by_id("2023-66")
    assert measure.lead_units[0] == "区委组织部"
    assert "区委宣传部" in measure.co_units and "团区委" in measure.co_units
    assert measure.co_groups == ("各镇办", "区直相关部门")
    assert kb.by_id("2023-37").co_groups == ("社会信用体系建设联席会议成员单位",)
    assert kb.by_id("2023-31").co_groups == ("开展政府采购活动相关单位",)


def test_no_bookmark_artefacts_or_trailing_spaces(kb: KnowledgeBase) -> None:
    for measure in kb.of_doc("2023-plan"):
        for value in (measure.text, measure.title, measure.section, measure.subsection):
            assert "[bookmark" not in value
            assert value == value.strip(" \u3000"), measure.id
    assert kb.by_id("2023-5").title == "全面提升审批服务"


def test_unknown_id_is_a_named_error(kb: KnowledgeBase) -> None:
    with pytest.raises(MeasureNotFound):
        kb.by_id("2023-70")
