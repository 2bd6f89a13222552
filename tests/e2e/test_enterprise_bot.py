"""The enterprise's bot end to end: the real PTB application (``bot.app.run_bot``, polling,
with the outbox worker and the sweeper) against the local Bot API stand-in, on a SQLite file."""

from __future__ import annotations

import logging
import re

import pytest

from bot.domain.records import Actor, Role
from bot.ports import DatabaseUnavailable
from bot.services import handling, queries
from bot.services.intake import MAX_TEXT
from handlers.telegram.standin import BotApiStandIn
from tests.e2e.conftest import RunningBot
from tests.support import add_official

pytestmark = pytest.mark.e2e

FIRM = 700001
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
NUMBER = re.compile(r"工单编号：(\d{8}-\d{4})")


async def _file(api: BotApiStandIn, user: int, text: str) -> str:
    """Send a complaint as ``user``; returns its number from the acknowledgement."""
    before = len(api.messages_to(user))
    api.send_text(user, text)
    texts = await api.wait_for_messages(user, before + 1)
    match = NUMBER.search("\n".join(texts[before:]))
    assert match, texts[before:]
    return match.group(1)


async def test_start_welcomes_and_sets_the_command_menu(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot():
        api.send_text(FIRM, "/start")
        [welcome] = await api.wait_for_messages(FIRM)
    assert "有诉即办" in welcome and "/status" in welcome and "/mine" in welcome
    assert "/ask" in welcome
    assert {c["command"] for c in api.commands} == {
        "start",
        "ask",
        "status",
        "mine",
        "followup",
        "chase",
        "rate",
        "profile",
    }


async def test_a_complaint_is_acknowledged_and_its_status_shown(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        decision = app.services.route(POWER)
        assert decision.lead_unit and decision.measure
        number = await _file(api, FIRM, POWER)
        ack = api.messages_to(FIRM)[0]
        assert f"承办单位：{decision.lead_unit}" in ack
        assert decision.measure.title in ack  # the measure it was routed by, cited
        assert "办理时限（北京时间）" in ack and re.search(r"\d{4}-\d{2}-\d{2} ", ack)

        api.send_text(FIRM, f"/status {number}")
        status = await api.wait_for_text(FIRM, "状态：")
        assert f"工单 {number}" in status and "状态：已派单" in status
        assert decision.lead_unit in status

        api.send_text(FIRM, "/mine")
        mine = await api.wait_for_text(FIRM, "您最近的")
        assert number in mine

        # the acknowledgement is the only message at intake: no second "routed" notice
        # (the worker beside the bot is running, see the sign-off test for its deliveries)
        assert not any("【诉求进展】" in t for t in api.messages_to(FIRM))


async def test_a_repeat_is_merged_into_the_open_complaint(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot():
        first = await _file(api, FIRM, POWER)
        api.send_text(FIRM, POWER + "！")
        merged = await api.wait_for_text(FIRM, "已并入")
    assert first in merged and "工单编号：" not in merged


async def test_bad_text_gets_a_chinese_error_and_nothing_is_stored(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        api.send_text(FIRM, "  \u200b\u200b  ")
        empty = await api.wait_for_text(FIRM, "诉求内容不能为空")
        api.send_text(FIRM, "长" * (MAX_TEXT + 1))
        long = await api.wait_for_text(FIRM, "诉求内容过长")
        stored = await queries.my_complaints(app.services, Actor("telegram", str(FIRM)))
    assert stored == []
    for answer in (empty, long):
        assert answer.startswith("抱歉") and "Traceback" not in answer and "error" not in answer


async def test_status_answers_unknown_malformed_and_foreign_numbers_politely(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot():
        other = await _file(api, FIRM + 1, POWER)
        api.send_text(FIRM, "/status")
        await api.wait_for_text(FIRM, "请在命令后写上工单编号")
        api.send_text(FIRM, "/status 12345")
        await api.wait_for_text(FIRM, "工单编号格式不对")
        api.send_text(FIRM, "/status 20261125-9999")
        await api.wait_for_text(FIRM, "没有编号为 20261125-9999 的工单")
        # someone else's complaint is "not found": numbers do not reveal who complained
        api.send_text(FIRM, f"/status {other}")
        await api.wait_for_text(FIRM, f"没有编号为 {other} 的工单")
        api.send_text(FIRM, "/nosuchcommand")
        await api.wait_for_text(FIRM, "没有这个命令")


async def test_unavailable_database_and_bugs_get_a_polite_answer_bugs_are_logged(
    api: BotApiStandIn,
    running_bot: RunningBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def unavailable(*_args: object, **_kwargs: object) -> None:
        raise DatabaseUnavailable("locked")

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "complaint_status", unavailable)
    monkeypatch.setattr(queries, "my_complaints", broken)
    async with running_bot():
        api.send_text(FIRM, "/status 20261125-0001")
        await api.wait_for_text(FIRM, "数据库暂时不可用")
        api.send_text(FIRM, "/mine")
        answer = await api.wait_for_text(FIRM, "系统出了点问题")
    assert "a bug" not in answer and "Traceback" not in answer
    assert any(
        r.levelno == logging.ERROR and r.exc_info and "a bug" in str(r.exc_info[1])
        for r in caplog.records
    )


async def test_the_unit_is_told_and_the_enterprise_hears_of_the_sign_off(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        unit = app.services.route(POWER).lead_unit
        assert unit is not None
        official = await add_official(app.services.uow_factory, 880001, unit, Role.HANDLER)
        number = await _file(api, FIRM, POWER)
        assigned = await api.wait_for_text(880001, "【新派诉求】")
        assert number in assigned and "请及时签收" in assigned

        await handling.sign_off(app.services, official, number)
        told = await api.wait_for_text(FIRM, "承办单位已签收")
    assert number in told and "当前状态：已签收" in told


async def test_after_a_restart_status_still_answers_and_nothing_is_handled_twice(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot():
        number = await _file(api, FIRM, POWER)
    async with running_bot():
        api.send_text(FIRM, f"/status {number}")
        status = await api.wait_for_text(FIRM, "状态：")
    assert f"工单 {number}" in status
    # the complaint's update was confirmed at shutdown: the new bot did not file it again
    acknowledgements = [t for t in api.messages_to(FIRM) if "已受理您的诉求" in t]
    assert len(acknowledgements) == 1


async def test_a_policy_question_is_answered_from_the_plan(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        api.send_text(FIRM, "/ask 新注册公司要几个工作日")
        answer = await api.wait_for_text(FIRM, "答：")
        api.send_text(FIRM, "/ask")
        usage = await api.wait_for_text(FIRM, "请在命令后写上您的问题")
        api.send_text(FIRM, "/ask what is the weather on mars")
        nothing = await api.wait_for_text(FIRM, "没有找到")
        async with app.services.uow_factory() as uow:  # a question files nothing
            assert await uow.complaints.for_enterprise(1) == []
    # the sentence that answers, the measure (16), its lead unit and deadline
    assert "1个工作日" in answer and "（16）" in answer
    # the plan's deadline as the plan's, so a past date does not read as expired
    assert "牵头单位：区市场监管局" in answer and "时间节点：方案原定 2023年11月 完成" in answer
    assert "/ask 新注册公司要几个工作日" in usage
    # nothing in common with any measure: no measure offered
    assert "请换个说法" in nothing and "  · " not in nothing
