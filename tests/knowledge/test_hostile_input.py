"""Arbitrary text never crashes the importer: it parses or fails with a named error."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import YousuError
from knowledge.importer import import_lines
from knowledge.importer.fields import parse_deadline, parse_officials
from knowledge.units import load_registry

from .conftest import SOURCES

REGISTRY = load_registry()
PLAN_LINES = (SOURCES / "plan-2023.txt").read_text(encoding="utf-8").splitlines()
RECT_LINES = (SOURCES / "rectification-2022.txt").read_text(encoding="utf-8").splitlines()
SNIPPETS = st.sampled_from(
    [
        "（1）",
        "时间节点：",
        "责任单位：",
        "牵头",
        "配合",
        "、",
        "整改措施：",
        "12、",
        "一是",
        "\u3000",
        *PLAN_LINES[14:30],
        *RECT_LINES[4:25],
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), SNIPPETS), max_size=30), st.booleans())
def test_random_documents_parse_or_fail_by_name(body: list[str], plan: bool) -> None:
    title = "洛阳市偃师区2023年优化营商环境实施方案" if plan else "偃师区2022年度整改提升方案"
    lines = [title, "三、主要内容" if plan else "", *body]
    try:
        result = import_lines(lines, registry=REGISTRY)
    except YousuError as error:
        assert error.zh and error.en
    else:
        assert result.measures
        assert len({m.id for m in result.measures}) == len(result.measures)


@given(st.text(max_size=30))
def test_deadline_and_officials_never_crash(text: str) -> None:
    deadline = parse_deadline(text, 2023)
    assert deadline is None or deadline.normalized
    for official in parse_officials(text):
        assert official.name
