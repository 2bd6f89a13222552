"""The 2022 rectification plan: 15 indicators and the document's quirks."""

from __future__ import annotations

from knowledge.base import KnowledgeBase


def test_fifteen_indicators_in_order(kb: KnowledgeBase) -> None:
    indicators = kb.of_doc("2022-rectification")
    assert [m.id for m in indicators] == [f"2022-{n}" for n in range(1, 16)]
    assert [m.number for m in indicators] == [str(n) for n in range(1, 16)]
    assert indicators[0].title == "开办企业指标整改提升方案"
    assert indicators[-1].title == "项目保障指标整改提升方案"


def test_heading_12_in_digits_is_indicator_12(kb: KnowledgeBase) -> None:
    assert kb.by_id("2022-12").title == "市场监管指标整改提升方案"
    assert kb.by_id("2022-12").lead_units == ("区市场监管局",)


def test_truncated_and_odd_headings_are_kept_as_printed(kb: KnowledgeBase) -> None:
    assert kb.by_id("2022-4").title == "获得用水指标整改提升方"
    assert any("不完整" in note for note in kb.by_id("2022-4").notes)
    assert kb.by_id("2022-6").title == "偃师区财产登记整改指标提升方案"


def test_half_width_colons_and_spaced_label(kb: KnowledgeBase) -> None:
    gas = kb.by_id("2022-5")
    assert gas.parts[0].units == ("区城市管理局", "偃师中裕燃气有限公司")
    assert gas.parts[0].officials[0].name == "宋三霞"
    # 责 任 人：赵建武 with spaces in the label
    assert kb.by_id("2022-2").parts[3].officials[0].name == "赵建武"


def test_officials_and_phones_are_separated(kb: KnowledgeBase) -> None:
    market = kb.by_id("2022-12").parts[-1].officials
    assert [(o.name, o.phone) for o in market] == [("李海鹏", "13939926662")]
    credit = kb.by_id("2022-7").parts[-1].officials
    assert [o.name for o in credit] == ["魏刺梅", "王青云", "韩玉娜"]
    assert all(o.phone is None for o in credit)


def test_year_less_deadline_is_inferred_and_marked(kb: KnowledgeBase) -> None:
    part = kb.by_id("2022-11").parts[-1]
    assert part.deadline is not None
    assert part.deadline.raw == "12月20日"
    assert part.deadline.normalized == "2022-12-20"
    assert part.deadline.year_inferred


def test_declared_lead_unit_line_comes_first(kb: KnowledgeBase) -> None:
    building = kb.by_id("2022-2")
    assert building.lead_units[0] == "区住建局"
    assert set(building.lead_units) >= {
        "区发改委",
        "区水利局",
        "区先进制造业开发区",
        "区城市管理局",
    }


def test_parts_without_unit_line_take_the_next_block(kb: KnowledgeBase) -> None:
    power = kb.by_id("2022-3")
    assert [p.units for p in power.parts] == [("国网洛阳市偃师供电公司",)] * 3
    assert power.parts[0].units_note is not None and "（三）" in power.parts[0].units_note
    assert power.parts[2].units_note is None
    court = kb.by_id("2022-8")
    assert [o.name for o in court.parts[2].officials] == ["王可宝"]


def test_time_node_lines_and_ongoing_deadlines(kb: KnowledgeBase) -> None:
    rights = kb.by_id("2022-13")
    assert [p.deadline.normalized for p in rights.parts if p.deadline] == [
        "持续推进",
        "持续推进",
        "持续推进",
        "2022-12",
        "持续推进",
        "2022-12",
    ]
    assert rights.parts[1].number == "（2）"
    assert rights.parts[1].units == ("区人民检察院", "区司法局")
    assert rights.lead_units[:2] == ("区委政法委", "区人大办公室")


def test_credit_indicator_has_no_printed_unit_and_is_resolved(kb: KnowledgeBase) -> None:
    credit = kb.by_id("2022-14")
    assert credit.lead_units == ("区发改委",)
    for part in credit.parts:
        assert part.units == ("区发改委",)
        assert part.units_note is not None and "信用办" in part.units_note
    assert "责任单位" not in credit.text


def test_problems_and_goals(kb: KnowledgeBase) -> None:
    assert kb.by_id("2022-1").problems == (
        "一是企业开办流程仍需优化。",
        "二是电子印章发放及推广应用工作较为滞后。",
        "三是企业注销服务水平有待提升。",
    )
    # 四特邀… has no 是 but is the fourth problem
    assert len(kb.by_id("2022-8").problems) == 4
    assert kb.by_id("2022-11").problems[0] == "一是实体政务大厅服务质效存在改进空间。"
    assert kb.by_id("2022-7").goals.startswith("督导区内各银行机构")
    assert len(kb.by_id("2022-14").problems) == 4


def test_indicator_units_are_the_union_of_its_parts(kb: KnowledgeBase) -> None:
    for indicator in kb.of_doc("2022-rectification"):
        union = {unit for part in indicator.parts for unit in part.units}
        assert set(indicator.lead_units) == union, indicator.id
        assert indicator.deadline.normalized.startswith("2022-12"), indicator.id
