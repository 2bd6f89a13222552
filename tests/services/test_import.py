"""Filing a backlog in batches, on both databases: checked whole first, one transaction per
batch, and safe to run again after an interruption."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.domain.records import Status
from bot.errors import InvalidInput
from bot.services.context import ServiceContext
from bot.services.intake_import import import_complaints, parse_backlog

TEXTS = [
    "申请用电增容快两个月了，供电那边一直没给方案",
    "银行突然抽贷，资金链要断了",
    "办施工许可证跑了好几趟",
    "公司注销太难了，材料退回三次",
    "招投标里有人设门槛，外地企业不让投",
]


def _lines(n: int = 5) -> list[str]:
    return [
        json.dumps({"text": TEXTS[i % 5], "ref": f"A-{i}", "from": f"http:12345-{i}"})
        for i in range(n)
    ]


async def _stored(ctx: ServiceContext) -> int:
    async with ctx.uow_factory() as uow:
        return len(await uow.complaints.with_status(list(Status), limit=10_000))


def test_a_bad_backlog_lists_every_bad_line() -> None:
    lines = [
        *_lines(2),
        "{not json",
        json.dumps({"ref": "x"}),
        json.dumps({"text": "   "}),
        json.dumps({"text": "好", "from": "nocolon"}),
        json.dumps({"text": "重复", "ref": "A-0", "from": "http:12345-0"}),
        "",
    ]
    with pytest.raises(InvalidInput) as caught:
        parse_backlog(lines)
    message = caught.value.zh
    assert "5行" in message
    for number in (3, 4, 5, 6, 7):
        assert f"第{number}行" in message
    assert "与第1行重复" in message
    with pytest.raises(InvalidInput):
        parse_backlog(["", "  "])


async def test_a_backlog_is_filed_in_batches_and_once(ctx: ServiceContext) -> None:
    seen: list[tuple[int, int]] = []
    first = await import_complaints(
        ctx, parse_backlog(_lines()), batch_size=2, progress=lambda d, t: seen.append((d, t))
    )
    assert len(first.filed) == 5 and first.skipped == []
    assert seen == [(2, 5), (4, 5), (5, 5)]
    again = await import_complaints(ctx, parse_backlog(_lines()), batch_size=2)
    assert again.filed == [] and sorted(again.skipped) == [f"A-{i}" for i in range(5)]
    assert await _stored(ctx) == 5


async def test_an_interrupted_import_run_again_files_each_complaint_once(
    ctx: ServiceContext,
) -> None:
    real_route = ctx.route
    calls = 0

    def failing_on_the_second_batch(text: str) -> object:
        nonlocal calls
        calls += 1
        if calls > 2:
            raise RuntimeError("power cut")
        return real_route(text)

    broken = dataclasses.replace(ctx, route=failing_on_the_second_batch)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        await import_complaints(broken, parse_backlog(_lines()), batch_size=2)
    assert await _stored(ctx) == 2  # the first batch was committed, the second not at all
    resumed = await import_complaints(ctx, parse_backlog(_lines()), batch_size=2)
    assert len(resumed.filed) == 3 and sorted(resumed.skipped) == ["A-0", "A-1"]
    assert await _stored(ctx) == 5
