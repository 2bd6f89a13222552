"""The unit registry: aliases, groups, unknown names and the measures each unit leads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.importer.fields import parse_responsibility
from knowledge.units import RegistryError, UnitRegistry, UnknownUnit, load_registry


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("工信局", "区工信局"),
        ("区工信局", "区工信局"),
        ("市场监管局", "区市场监管局"),
        ("区市场监管局", "区市场监管局"),
        ("偃师区市场监督管理局", "区市场监管局"),
        ("自然资源和规划局", "自然资源和规划局偃师分局"),
        ("区自然资源规划局", "自然资源和规划局偃师分局"),
        ("区自然资源和规划局", "自然资源和规划局偃师分局"),
        ("政数局", "区政务服务和大数据管理局"),
        ("政务服务和大数据管理局", "区政务服务和大数据管理局"),
        ("法院", "区人民法院"),
        ("区法院", "区人民法院"),
        ("人行偃师支行", "中国人民银行偃师支行"),
        ("银保监组", "洛阳银保监局偃师监管组"),
        ("偃师银保监组", "洛阳银保监局偃师监管组"),
        ("供电公司", "国网洛阳市偃师供电公司"),
        ("区供电公司", "国网洛阳市偃师供电公司"),
        ("偃师区行政服务中心", "区政务服务中心"),
        ("政务服务中心", "区政务服务中心"),
        ("住建局", "区住建局"),
        ("偃师区住房和城乡建设局", "区住建局"),
        ("城管局", "区城市管理局"),
        ("偃师区城市管理局", "区城市管理局"),
        ("检察院", "区人民检察院"),
        ("公安局", "区公安分局"),
        ("区委组织部（人才办）", "区委组织部"),
        ("  区财政局\u3000", "区财政局"),
    ],
)
def test_aliases_map_to_one_canonical_unit(
    registry: UnitRegistry, alias: str, canonical: str
) -> None:
    assert registry.canonical(alias) == canonical


def test_groups_are_recognised_but_are_not_units(registry: UnitRegistry) -> None:
    for name in (
        "各镇办",
        "各镇、街道",
        "区直相关部门",
        "相关行业主管部门",
        "开展政府采购活动相关单位",
    ):
        assert registry.is_group(name), name
    unit_names = {unit.name for unit in registry.all_units()}
    assert "各镇办" not in unit_names
    assert "区直相关部门" not in unit_names


def test_unknown_unit_names_the_three_closest(registry: UnitRegistry) -> None:
    with pytest.raises(UnknownUnit) as caught:
        registry.canonical("区市场监察局", where="test 第3行 / line 3")
    error = caught.value
    assert len(error.closest) == 3
    assert any("市场监" in name for name in error.closest)
    assert "第3行" in error.zh and "line 3" in error.en


def test_unknown_unit_in_a_units_line_fails_with_where(registry: UnitRegistry) -> None:
    with pytest.raises(UnknownUnit) as caught:
        parse_responsibility(
            "区政府办、区宇宙局牵头，各镇办配合", registry, where="2023-plan 第19行 / line 19"
        )
    assert caught.value.name == "区宇宙局"
    assert "第19行" in caught.value.zh


def test_responsibility_line_splits_units_and_groups(registry: UnitRegistry) -> None:
    lead, co = parse_responsibility(
        "区委政法委牵头，区人民法院、检察院、公安局、司法局等按职责分工负责配合",
        registry,
        where="x",
    )
    assert lead.units == ("区委政法委",)
    assert co.units == ("区人民法院", "区人民检察院", "区公安分局", "区司法局")
    lead, co = parse_responsibility(
        "区财政局牵头，金融工作局、中国人民银行偃师支行、银保监组和相关行业主管部门配合",
        registry,
        where="x",
    )
    assert co.units == ("区金融工作局", "中国人民银行偃师支行", "洛阳银保监局偃师监管组")
    assert co.groups == ("相关行业主管部门",)


def test_duplicate_alias_in_registry_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "units.json"
    path.write_text(
        json.dumps(
            {"units": [{"name": "甲局", "aliases": ["甲"]}, {"name": "乙局", "aliases": ["甲"]}]}
        ),
        encoding="utf-8",
    )
    with pytest.raises(RegistryError):
        load_registry(path)


def test_broken_registry_file_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "units.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RegistryError):
        load_registry(path)


def test_every_unit_in_the_data_is_a_canonical_registry_unit(kb: KnowledgeBase) -> None:
    canonical = {unit.name for unit in kb.units.all_units()}
    groups = {unit.name for unit in kb.units.all_groups()}
    for measure in kb.measures:
        assert set(measure.lead_units) | set(measure.co_units) <= canonical, measure.id
        assert set(measure.lead_groups) | set(measure.co_groups) <= groups, measure.id
        for part in measure.parts:
            assert set(part.units) <= canonical, measure.id


def test_measures_led_by_accepts_aliases(kb: KnowledgeBase) -> None:
    led = kb.units.measures_led_by("市场监管局")
    assert led == kb.units.measures_led_by("区市场监管局")
    assert "2023-16" in led and "2022-1" in led
    assert {"法院", "区法院"} <= set(kb.units.aliases_of("区人民法院"))
    with pytest.raises(UnknownUnit):
        kb.units.measures_led_by("不存在的局")


def test_closest_finds_similar_names(registry: UnitRegistry) -> None:
    assert "区人民检察院" in registry.closest("人民检察院", 3)
