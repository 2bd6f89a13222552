"""Officials' tools end to end, through the real PTB application against the Bot API stand-in
on SQLite and PostgreSQL, with the service clock fixed: the sweep's digest with its 督办 and 查看
buttons, the dispatcher's card with the candidate units, buttons and commands by role
(/overdue, /stats, /report, /supervise, /extend), and help instead of the enterprise's list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.domain.records import Actor, EventKind, Role
from bot.services import queries, sweeper
from handlers.telegram.standin import BotApiStandIn
from tests.conftest import START
from tests.e2e.conftest import RunningBot
from tests.e2e.test_enterprise_bot import FIRM, POWER, _file
from tests.support import FixedClock, add_official

pytestmark = pytest.mark.e2e

SUPERVISOR, CLERK, LEAD, DISPATCHER = 860001, 860002, 860003, 860004
LICENCE = "企业办理营业执照变更登记一直没办下来，跑了三趟了"
VAGUE = "我们公司的事拖了三个月了一直没人管，也不知道该找哪个部门"


def _fix_clock(app: App) -> FixedClock:
    """The services' clock, fixed at a working Wednesday 10:00 in Shanghai."""
    clock = FixedClock(START)
    app.services.clock = clock
    return clock


async def _staff(app: App) -> tuple[str, str]:
    power = app.services.route(POWER).lead_unit
    licence = app.services.route(LICENCE).lead_unit
    assert power is not None and licence is not None and power != licence
    factory = app.services.uow_factory
    await add_official(factory, SUPERVISOR, None, Role.SUPERVISOR)
    await add_official(factory, CLERK, power, Role.HANDLER)
    await add_official(factory, LEAD, licence, Role.UNIT_ADMIN)
    await add_official(factory, DISPATCHER, None, Role.DISPATCHER)
    return power, licence


async def _thread(app: App, number: str) -> list[EventKind]:
    view = await queries.complaint_status(app.services, Actor("telegram", str(SUPERVISOR)), number)
    return [e.kind for e in view.events]


async def test_the_supervisor_gets_one_digest_and_supervises_from_it(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        clock = _fix_clock(app)
        power, licence = await _staff(app)
        first = await _file(api, FIRM, POWER)
        second = await _file(api, FIRM + 1, LICENCE)
        third = await _file(api, FIRM + 2, LICENCE)
        clock.advance(minutes=2)  # three response minutes run out in one pass
        assert await sweeper.sweep_clocks(app.services, "e2e-test") == (0, 3)
        card = await api.wait_for_sent(SUPERVISOR, "【时限汇总】超时 3 项")
        clerk_card = await api.wait_for_sent(CLERK, "【时限汇总】超时 1 项")
        # grouped by unit, the worst (two overdue) first; numbered for the buttons
        assert card.text.index(licence) < card.text.index(power)
        assert card.buttons["督办 3"] == f"sv:{first}" and card.buttons["查看 3"] == f"vw:{first}"
        assert set(clerk_card.buttons) == {"查看 1"}  # a handler may not supervise
        assert second not in clerk_card.text and third not in clerk_card.text

        api.press(SUPERVISOR, card, "督办 3")
        await api.wait_for_text(SUPERVISOR, f"请发送对工单 {first} 的督办意见")
        api.send_text(SUPERVISOR, "请今天内联系企业并说明超时原因")
        await api.wait_for_text(SUPERVISOR, f"督办意见已发送给{power}（工单 {first}）")
        pushed = await api.wait_for_text(CLERK, f"【督办】工单 {first}")
        api.press(SUPERVISOR, card, "查看 1")
        shown = await api.wait_for_text(SUPERVISOR, "办理记录：")
        events = await _thread(app, first)
    assert "请今天内联系企业并说明超时原因" in pushed
    assert EventKind.SUPERVISED in events and "督办：请今天内联系企业" not in shown
    assert "工单 " in shown and "已超时" in shown
    # one digest each, however many deadlines ran out
    assert sum("【时限汇总】" in t for t in api.messages_to(SUPERVISOR)) == 1
    assert not any("【超时督办】" in t for t in api.messages_to(SUPERVISOR))


async def test_the_dispatcher_picks_a_candidate_unit_or_types_another(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        _fix_clock(app)
        await _staff(app)
        choices = app.services.route(VAGUE).choices
        assert len(choices) >= 3
        vague = await _file(api, FIRM, VAGUE)
        card = await api.wait_for_sent(DISPATCHER, f"【待派单】工单 {vague}")
        offered = [c.unit for c in choices[:3]]
        assert list(card.buttons)[:3] == offered
        assert card.buttons[offered[1]] == f"du:{vague}:{offered[1]}"
        assert {"其他单位", "无效"} <= set(card.buttons)
        api.press(DISPATCHER, card, offered[1])  # the second candidate, not the suggested
        await api.wait_for_text(DISPATCHER, f"工单 {vague} 已派至 {offered[1]}")
        view = await queries.complaint_status(
            app.services, Actor("telegram", str(DISPATCHER)), vague
        )
        assert view.complaint.lead_unit == offered[1]
        # the cited measure is the one that sends it to the chosen unit
        assert view.complaint.measure_id == choices[1].measure.id != choices[0].measure.id
        assert card.buttons == {}  # dispatched: nothing left to press

        other = await _file(api, FIRM + 1, VAGUE + "，第二家企业")
        card = await api.wait_for_sent(DISPATCHER, f"【待派单】工单 {other}")
        api.press(DISPATCHER, card, "其他单位")
        await api.wait_for_text(DISPATCHER, f"请发送工单 {other} 的承办单位名称")
        api.send_text(DISPATCHER, "税务")
        unknown = await api.wait_for_text(DISPATCHER, "未知单位“税务”")
        api.send_text(DISPATCHER, "区税务局")  # the action still waits for a name
        await api.wait_for_text(DISPATCHER, f"工单 {other} 已派至 区税务局")
    assert "区税务局" in unknown


async def test_buttons_and_commands_follow_the_role(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        clock = _fix_clock(app)
        power, _licence = await _staff(app)
        await add_official(app.services.uow_factory, LEAD + 10, power, Role.UNIT_ADMIN)
        number = await _file(api, FIRM, POWER)
        mine = await api.wait_for_sent(CLERK, f"【新派诉求】工单 {number}")
        admins = await api.wait_for_sent(LEAD + 10, f"【新派诉求】工单 {number}")
        # a handler may not transfer: no 转派 on the card; the unit's admin may
        assert "转派" not in mine.buttons and "退单" in mine.buttons
        assert "转派" in admins.buttons
        forged = api.press(CLERK, mine, f"tr:{number}")  # the button it was not given
        answer = await api.wait_for_answer(forged)
        assert "无权" in answer.text
        assert not any("转派单位和理由" in t for t in api.messages_to(CLERK))

        # help and unknown commands: the role's own commands, never the enterprise's list
        api.send_text(CLERK, "/supervise")
        handler_help = await api.wait_for_text(CLERK, "您是登记的承办人")
        api.send_text(SUPERVISOR, "/supervise")
        await api.wait_for_text(SUPERVISOR, "用法：/supervise 编号 督办意见")
        api.send_text(SUPERVISOR, "/nosuchthing")
        supervisor_help = await api.wait_for_text(SUPERVISOR, "您是登记的督办人")

        api.press(CLERK, mine, "签收")
        await api.wait_for_text(CLERK, f"已签收工单 {number}")
        api.send_text(CLERK, f"/extend {number} 5 需要现场勘察")
        await api.wait_for_text(CLERK, "等待督办人审批")
        request = await api.wait_for_sent(SUPERVISOR, "申请延期：5 个工作日")
        api.press(SUPERVISOR, request, "批准延期")
        await api.wait_for_text(SUPERVISOR, f"已批准工单 {number} 的延期申请")
        decided = await api.wait_for_text(CLERK, "【延期审批结果】")

        api.send_text(SUPERVISOR, f"/supervise {number} 请本周内办结")
        await api.wait_for_text(SUPERVISOR, f"督办意见已发送给{power}")
        await api.wait_for_text(CLERK, "督办意见：请本周内办结")
        api.send_text(CLERK, f"/supervise {number} 我也想督办")
        refused = await api.wait_for_text(CLERK, "无权使用 /supervise")

        other = await _file(api, FIRM + 1, LICENCE)
        clock.advance(days=3)  # past the response minute and more
        await sweeper.sweep_clocks(app.services, "e2e-test")
        api.send_text(SUPERVISOR, "/overdue")
        district = await api.wait_for_text(SUPERVISOR, "全区超时工单")
        api.send_text(CLERK, "/overdue")
        own = await api.wait_for_text(CLERK, power)
        api.send_text(SUPERVISOR, "/stats")
        stats = await api.wait_for_text(SUPERVISOR, "本周统计")
        api.send_text(CLERK, "/report")
        report = await api.wait_for_text(CLERK, "“有诉即办”周报")
    assert "无权使用 /supervise" in handler_help
    assert "/supervise —" not in handler_help and "/transfer" not in handler_help
    assert "/overdue" in handler_help and "/extend" in handler_help
    assert "/supervise" in supervisor_help and "/signoff" not in supervisor_help
    assert "/status 编号" not in supervisor_help  # not the enterprise's list
    assert "新的截止时间" in decided
    assert "您是登记的承办人" in refused and "/supervise —" not in refused
    assert other in district and other not in own
    assert "1. " in stats and power in stats
    assert power in report
    # 5 working days were asked for, fewer than the policy's 15: that many were granted
    view = await queries.complaint_status(app.services, Actor("telegram", str(CLERK)), number)
    extended = next(c for c in view.clocks if c.extensions == 1)
    # due 2026-12-16 24:00, five working days later (not the policy's fifteen)
    assert extended.due_at == datetime(2026, 12, 23, 16, 0, tzinfo=UTC)


async def test_the_role_menus_follow_the_permission_rules(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        await _staff(app)
    async with running_bot():  # menus are set at start
        pass
    menus = {who: {c["command"] for c in api.chat_commands[who]} for who in (CLERK, LEAD)}
    supervisor = {c["command"] for c in api.chat_commands[SUPERVISOR]}
    assert "transfer" not in menus[CLERK] and "transfer" in menus[LEAD]
    assert {"overdue", "stats", "report", "extend"} <= menus[CLERK]
    assert {"supervise", "overdue", "stats", "report"} <= supervisor
    assert "waiting" not in supervisor and "signoff" not in supervisor
