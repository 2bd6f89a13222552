"""Two bot instances on one database: exactly one polls Telegram (a lock in the database),
both handle what was stored, every complaint is filed and answered once, and the other takes
over polling when the first stops. A 409 from Telegram (someone else polling the token) is
said plainly in the log."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from bot.app import open_app, run_bot
from bot.config import Settings
from handlers.telegram.inbox import POLLER_LOCK
from handlers.telegram.standin import BotApiStandIn

pytestmark = pytest.mark.e2e

POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
NUMBER = re.compile(r"工单编号：(\d{8}-\d{4})")


def _numbers(api: BotApiStandIn, users: list[int]) -> dict[int, set[str]]:
    return {u: {n for t in api.messages_to(u) for n in NUMBER.findall(t)} for u in users}


async def _poller(app: object) -> str | None:
    async with app.services.uow_factory() as uow:  # type: ignore[attr-defined]
        return await uow.locks.owner(POLLER_LOCK)  # type: ignore[no-any-return]


async def _until(check: object, within: float) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_one_polls_both_handle_and_the_other_takes_over(
    api: BotApiStandIn, settings: Settings
) -> None:
    users = [870_000 + i for i in range(20)]
    async with open_app(settings) as first, open_app(settings) as second:
        stops = [asyncio.Event(), asyncio.Event()]
        a = asyncio.create_task(run_bot(first, stops[0], "host-a:1"))
        await _until(lambda: api.called("getUpdates") > 0, 30)
        b = asyncio.create_task(run_bot(second, stops[1], "host-b:2"))
        for user in users:
            api.send_text(user, POWER)
        await _until(lambda: all(_numbers(api, users).values()), 30)
        assert await _poller(first) == "host-a:1"  # b waits: it never polled
        stops[0].set()  # the poller stops; the other takes over
        await asyncio.wait_for(a, 30)
        late = 879_999
        api.send_text(late, POWER)
        await _until(lambda: bool(_numbers(api, [late])[late]), 40)
        assert await _poller(second) == "host-b:2"
        stops[1].set()
        await asyncio.wait_for(b, 30)
    told = _numbers(api, [*users, late])
    assert all(len(numbers) == 1 for numbers in told.values()), told
    assert len({n for numbers in told.values() for n in numbers}) == len(users) + 1


async def test_a_conflict_with_another_poller_is_said_plainly(
    api: BotApiStandIn, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    api.conflicts = 1
    caplog.set_level(logging.ERROR)
    async with open_app(settings) as app:
        stop = asyncio.Event()
        task = asyncio.create_task(run_bot(app, stop, "host-a:1"))
        await _until(lambda: "409" in caplog.text, 20)
        stop.set()
        await asyncio.wait_for(task, 30)
    assert "另一个程序正在用同一个机器人令牌轮询" in caplog.text
