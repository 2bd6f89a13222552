"""A backlog's lines, whatever they hold: a listed error for the line or a complaint that is
stored, never an exception of another kind (the fault probe's NUL bytes, lone surrogates,
deep nesting, "confidential": "false"), then arbitrary lines (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.records import Status
from bot.errors import InvalidInput
from bot.services.context import ServiceContext
from bot.services.intake_import import import_complaints, parse_backlog
from tests.http.test_hostile_input import ANY_TEXT, JSON_VALUES

TEXT = "申请用电增容快两个月了，供电那边一直没给方案"


def _line(**fields: Any) -> str:
    return json.dumps({"text": TEXT, **fields})


def _refused(lines: list[str]) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_backlog(lines)
    return caught.value.zh


@pytest.mark.parametrize(
    "fields",
    [
        {"ref": "A\x00B"},
        {"ref": "\ud800"},
        {"from": "http:caller\x00"},
        {"from": "\x00:x"},
        {"from": "http:\udfff"},
        {"attachments": ["a\x00.pdf"]},
        {"ref": "R" * 65},
        {"from": "a-channel-name-longer-than-sixteen:1"},
        {"from": ["http", "1"]},
        {"ref": True},
    ],
)
def test_identifiers_that_cannot_be_stored_are_listed(fields: dict[str, Any]) -> None:
    reason = _refused([_line(), _line(**fields)])
    assert "第2行" in reason and "第1行" not in reason


def test_deep_nesting_is_a_listed_error_not_a_recursion_error() -> None:
    deep = '{"text": "办电难", "attachments": ' + "[" * 100_000 + "]" * 100_000 + "}"
    reason = _refused([_line(), deep, "[" * 100_000])
    assert "第2行：JSON 嵌套层数过多" in reason and "第3行：JSON 嵌套层数过多" in reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("true", True),
        ("false", False),
        ("FALSE", False),
        (" True ", True),
        ("1", True),
        ("0", False),
    ],
)
def test_confidential_is_read_strictly(value: object, expected: bool) -> None:
    [submission] = parse_backlog([_line(confidential=value)])
    assert submission.confidential is expected
    [default] = parse_backlog([_line()])
    assert default.confidential is False


@pytest.mark.parametrize("value", ["no", "否", "是", "yes", "", "f", 2, -1, 1.0, None, [], {}])
def test_anything_else_for_confidential_is_a_listed_error(value: object) -> None:
    reason = _refused([_line(confidential=value)])
    assert "第1行" in reason and "confidential 应为 true 或 false" in reason


async def test_the_probe_s_backlog_is_refused_whole_and_nothing_stored(ctx: ServiceContext) -> None:
    lines = [_line(ref="OK-1"), _line(ref="A\x00B"), _line(ref="OK-2", confidential="false")]
    with pytest.raises(InvalidInput):
        await import_complaints(ctx, parse_backlog(lines))
    async with ctx.uow_factory() as uow:
        assert await uow.complaints.with_status(list(Status), limit=10) == []


# --- arbitrary lines ---------------------------------------------------------------------------

LINES = st.one_of(
    ANY_TEXT,
    JSON_VALUES.map(json.dumps),
    st.fixed_dictionaries(
        {"text": ANY_TEXT | st.just(TEXT)},
        optional={
            "ref": ANY_TEXT | JSON_VALUES,
            "from": ANY_TEXT | ANY_TEXT.map(lambda t: f"http:{t}") | JSON_VALUES,
            "confidential": JSON_VALUES,
            "attachments": st.lists(ANY_TEXT, max_size=3) | JSON_VALUES,
        },
    ).map(json.dumps),
    st.integers(1, 100_000).map(lambda n: "[" * n),
)


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(LINES, min_size=1, max_size=5))
def test_any_line_is_read_or_listed(lines: list[str]) -> None:
    try:
        submissions = parse_backlog(lines)
    except InvalidInput as exc:
        assert exc.zh.startswith(("导入文件有", "导入文件中没有诉求"))
        return
    assert 1 <= len(submissions) <= len(lines)


#: lines that are mostly accepted: a filing complaint whose reference, sender, attachments
#: and flag are anything
STORABLE = st.fixed_dictionaries(
    {"text": st.just(TEXT) | ANY_TEXT.map(lambda t: TEXT + t)},
    optional={
        "ref": ANY_TEXT,
        "from": ANY_TEXT.map(lambda t: f"http:{t}"),
        "confidential": st.sampled_from([True, False, "true", "0"]),
        "attachments": st.lists(ANY_TEXT, max_size=3),
    },
).map(json.dumps)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(line=STORABLE)
async def test_what_the_reader_accepts_the_database_stores(ctx: ServiceContext, line: str) -> None:
    try:
        submissions = parse_backlog([line])
    except InvalidInput:
        return
    result = await import_complaints(ctx, submissions)  # no database error, on either
    assert len(result.filed) + len(result.skipped) == 1
