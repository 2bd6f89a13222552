"""The officials' side of the bot end to end: buttons on the assignment, the pending action a
button starts (reply, resolve, transfer, dispatch) completed by the official's next text,
/cancel, the commands that work without buttons, and the enterprise rating the result; the
real PTB application against the local Bot API stand-in, on a SQLite file."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.domain.records import Actor, EventKind, Official, Role, Status
from bot.services import queries
from handlers.telegram.standin import BotApiStandIn, Sent
from tests.e2e.conftest import RunningBot
from tests.e2e.test_enterprise_bot import FIRM, POWER, _file
from tests.support import add_official

pytestmark = pytest.mark.e2e

CLERK, COLLEAGUE, LEAD, OTHER_UNIT, DISPATCHER, STRANGER = (
    880001,
    880002,
    880003,
    880004,
    880005,
    790001,
)
LICENCE = "企业办理营业执照变更登记一直没办下来"
#: a complaint all right, but about no matter the router can place: a dispatcher decides
VAGUE = "我们公司的事拖了三个月了一直没人管，也不知道该找哪个部门"


async def _assigned(api: BotApiStandIn, app: App, official: int = CLERK) -> tuple[str, Sent]:
    """File POWER as FIRM; the number and the 【新派诉求】 message ``official`` receives."""
    number = await _file(api, FIRM, POWER)
    return number, await api.wait_for_sent(official, f"【新派诉求】工单 {number}")


async def _power_unit(app: App, *officials: tuple[int, Role]) -> str:
    unit = app.services.route(POWER).lead_unit
    assert unit is not None
    for telegram_id, role in officials:
        await add_official(app.services.uow_factory, telegram_id, unit, role)
    return unit


async def _sign_off(api: BotApiStandIn, assigned: Sent, official: int = CLERK) -> None:
    query = api.press(official, assigned, "签收")
    answer = await api.wait_for_answer(query)
    assert "已签收" in answer.text, answer


async def _events(app: App, number: str) -> list[EventKind]:
    view = await queries.complaint_status(app.services, Actor("telegram", str(CLERK)), number)
    return [e.kind for e in view.events]


async def test_the_assignment_has_buttons_and_sign_off_tells_the_enterprise(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        await _power_unit(app, (CLERK, Role.HANDLER))
        number, assigned = await _assigned(api, app)
        assert assigned.buttons == {  # a handler may not transfer: no 转派 (a unit admin may)
            "签收": f"so:{number}",
            "回复": f"re:{number}",
            "办结": f"rs:{number}",
            "退单": f"rt:{number}",
        }
        assert all(len(d.encode()) <= 64 for d in assigned.buttons.values())

        query = api.press(CLERK, assigned, "签收")
        answer = await api.wait_for_answer(query)
        told = await api.wait_for_text(FIRM, "承办单位已签收")
        confirmed = await api.wait_for_text(CLERK, "已签收工单")
    assert number in answer.text and number in confirmed
    assert number in told and "当前状态：已签收" in told
    # the button cannot be pressed twice: the keyboard now lacks it, the rest stays
    assert set(assigned.buttons) == {"回复", "办结", "退单"}


async def test_two_officials_signing_off_at_once_one_wins_the_other_is_told_who(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        await _power_unit(app, (CLERK, Role.HANDLER), (COLLEAGUE, Role.HANDLER))
        number, mine = await _assigned(api, app, CLERK)
        theirs = await api.wait_for_sent(COLLEAGUE, f"【新派诉求】工单 {number}")
        queries_ = [api.press(CLERK, mine, "签收"), api.press(COLLEAGUE, theirs, "签收")]
        answers = [await api.wait_for_answer(q) for q in queries_]
        told = await api.wait_for_text(FIRM, "承办单位已签收")
        events = await _events(app, number)
    won = [a for a in answers if a.text.startswith("已签收")]
    lost = [a for a in answers if "已由" in a.text]
    assert len(won) == 1 and len(lost) == 1, answers
    winner = "官员880001" if won[0] is answers[0] else "官员880002"
    assert f"工单 {number} 已由 {winner} 签收" in lost[0].text
    loser = COLLEAGUE if won[0] is answers[0] else CLERK
    await api.wait_for_text(loser, f"已由 {winner} 签收")
    assert events.count(EventKind.SIGNED_OFF) == 1 and number in told


async def test_a_reply_through_the_button_reaches_the_enterprise(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        await _power_unit(app, (CLERK, Role.HANDLER))
        number, assigned = await _assigned(api, app)
        await _sign_off(api, assigned)
        api.press(CLERK, assigned, "回复")
        await api.wait_for_text(CLERK, f"请发送对工单 {number} 的回复内容")
        api.send_text(CLERK, "已联系供电公司，本周内上门勘察。")
        await api.wait_for_text(CLERK, "回复已发送给企业")
        reply = await api.wait_for_text(FIRM, "【单位答复】")
        events = await _events(app, number)
    assert number in reply and "本周内上门勘察" in reply
    assert EventKind.REPLIED in events
    # the official's text was the reply, not a complaint of their own
    assert not any("已受理您的诉求" in t for t in api.messages_to(CLERK))


async def test_resolve_then_the_enterprise_rates_and_it_is_closed(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        await _power_unit(app, (CLERK, Role.HANDLER))
        number, assigned = await _assigned(api, app)
        await _sign_off(api, assigned)
        api.press(CLERK, assigned, "办结")
        await api.wait_for_text(CLERK, f"请发送工单 {number} 的办结说明")
        api.send_text(CLERK, "增容方案已批复，下周施工。")
        await api.wait_for_text(CLERK, f"工单 {number} 已办结")
        resolved = await api.wait_for_text(FIRM, "承办单位已办结")
        assert "增容方案已批复" in resolved and "评价" in resolved

        api.send_text(FIRM, f"/rate {number} 5 已解决 办得很快")
        thanked = await api.wait_for_text(FIRM, "感谢您的评价")
        view = await queries.complaint_status(app.services, Actor("telegram", str(FIRM)), number)
    assert f"工单 {number} 已结案" in thanked
    assert view.complaint.status is Status.CLOSED
    assert [(r.score, r.solved, r.comment) for r in view.ratings] == [(5, True, "办得很快")]
    assert assigned.buttons == {}  # done: no button left to press


async def test_someone_not_registered_is_refused_politely(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        unit = await _power_unit(app, (CLERK, Role.HANDLER))
        number, assigned = await _assigned(api, app)
        # struck off the list after the notification went out, then presses its button
        async with app.services.uow_factory() as uow:
            await uow.officials.upsert(Official(CLERK, unit, Role.HANDLER, active=False))
            await uow.commit()
        query = api.press(CLERK, assigned, "签收")
        answer = await api.wait_for_answer(query)
        refusal = await api.wait_for_text(CLERK, "还不是登记的工作人员")
        api.send_text(STRANGER, f"/signoff {number}")
        await api.wait_for_text(STRANGER, "还不是登记的工作人员")
        api.send_text(STRANGER, "/queue")
        await api.wait_for_messages(STRANGER, 2)
        events = await _events_as(app, number, FIRM)
    assert "还不是登记的工作人员" in answer.text and refusal.startswith("抱歉")
    assert "Traceback" not in refusal
    assert "还不是登记的工作人员" in api.messages_to(STRANGER)[1]
    assert EventKind.SIGNED_OFF not in events
    assert "签收" in assigned.buttons  # nothing was done, the keyboard is as it was


async def _events_as(app: App, number: str, who: int) -> list[EventKind]:
    view = await queries.complaint_status(app.services, Actor("telegram", str(who)), number)
    return [e.kind for e in view.events]


async def test_a_transfer_with_a_reason_moves_it_to_the_other_unit(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        await _power_unit(app, (LEAD, Role.UNIT_ADMIN))
        other = app.services.route(LICENCE).lead_unit
        assert other is not None
        await add_official(app.services.uow_factory, OTHER_UNIT, other, Role.HANDLER)
        number, assigned = await _assigned(api, app, LEAD)
        api.press(LEAD, assigned, "转派")
        await api.wait_for_text(LEAD, "转派单位和理由")
        api.send_text(LEAD, f"{other} 属于证照变更，不是用电问题")
        await api.wait_for_text(LEAD, f"工单 {number} 已转派至 {other}")
        arrived = await api.wait_for_sent(OTHER_UNIT, f"【新派诉求】工单 {number}")
        told = await api.wait_for_text(FIRM, "已转派至新的承办单位")
        view = await queries.complaint_status(app.services, Actor("telegram", str(FIRM)), number)
    assert "理由：属于证照变更，不是用电问题" in arrived.text and "签收" in arrived.buttons
    assert other in told
    assert view.complaint.lead_unit == other and view.complaint.status is Status.ROUTED


async def test_cancel_aborts_a_pending_reply(api: BotApiStandIn, running_bot: RunningBot) -> None:
    async with running_bot() as app:
        await _power_unit(app, (CLERK, Role.HANDLER))
        number, assigned = await _assigned(api, app)
        await _sign_off(api, assigned)
        api.press(CLERK, assigned, "回复")
        await api.wait_for_text(CLERK, "的回复内容")
        api.send_text(CLERK, "/cancel")
        await api.wait_for_text(CLERK, "已取消")
        # the next text is no longer a reply, and an official's text never files a complaint
        api.send_text(CLERK, "这句话不应该发给企业，厂里申请用电增容两个月了没人管")
        await api.wait_for_text(CLERK, "文字消息不会生成工单")
        api.send_text(CLERK, "/cancel")
        await api.wait_for_text(CLERK, "当前没有进行中的操作")
        events = await _events(app, number)
    assert EventKind.REPLIED not in events
    assert not any("【单位答复】" in t for t in api.messages_to(FIRM))
    assert not any("已受理您的诉求" in t for t in api.messages_to(CLERK))


async def test_everything_works_by_command_too(api: BotApiStandIn, running_bot: RunningBot) -> None:
    async with running_bot() as app:
        unit = await _power_unit(app, (CLERK, Role.HANDLER))
        await add_official(app.services.uow_factory, DISPATCHER, None, Role.DISPATCHER)
        # a complaint no measure fits waits for a dispatcher, whose notice has a 派单 button
        vague = await _file(api, FIRM, VAGUE)
        notice = await api.wait_for_sent(DISPATCHER, f"【待派单】工单 {vague}")
        assert (
            notice.buttons["其他单位"] == f"dp:{vague}" and notice.buttons["无效"] == f"vd:{vague}"
        )
        api.send_text(DISPATCHER, "/waiting")
        await api.wait_for_text(DISPATCHER, vague + "  待派单")
        api.send_text(DISPATCHER, f"/dispatch {vague} {unit}")
        await api.wait_for_text(DISPATCHER, f"工单 {vague} 已派至 {unit}")
        await api.wait_for_text(CLERK, f"【新派诉求】工单 {vague}")

        api.send_text(CLERK, "/queue")
        queue = await api.wait_for_text(CLERK, "共 1 件")
        assert vague in queue
        api.send_text(CLERK, "/reply")
        await api.wait_for_text(CLERK, "用法：/reply 编号 回复内容")
        api.send_text(CLERK, f"/signoff {vague}")
        await api.wait_for_text(CLERK, f"已签收工单 {vague}")
        api.send_text(CLERK, f"/reply {vague} 请补充 具体 事项")
        reply = await api.wait_for_text(FIRM, "【单位答复】")
        assert "请补充 具体 事项" in reply
        api.send_text(CLERK, f"/resolve {vague} 已电话解答")
        await api.wait_for_text(FIRM, "承办单位已办结")

        api.send_text(FIRM, f"/followup {vague} 还有一个问题")
        await api.wait_for_text(FIRM, "补充说明已转给承办单位")
        await api.wait_for_text(CLERK, "还有一个问题")
        api.send_text(FIRM, f"/rate {vague} 2 未解决 没说清楚")
        await api.wait_for_text(FIRM, "已退回承办单位重新办理")
        await api.wait_for_text(CLERK, "【重办】")
        api.send_text(FIRM, f"/chase {vague}")
        await api.wait_for_text(FIRM, "已向承办单位催办")
        await api.wait_for_text(CLERK, "【催办】")
        api.send_text(FIRM, "/rate")
        await api.wait_for_text(FIRM, "用法：/rate")


async def test_a_pending_reply_survives_a_restart(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        await _power_unit(app, (CLERK, Role.HANDLER))
        number, assigned = await _assigned(api, app)
        await _sign_off(api, assigned)
        api.press(CLERK, assigned, "回复")
        await api.wait_for_text(CLERK, "的回复内容")
    async with running_bot() as app:  # restarted before the official typed the reply
        api.send_text(CLERK, "已安排明天上午上门勘察。")
        await api.wait_for_text(CLERK, "回复已发送给企业")
        await api.wait_for_text(FIRM, "已安排明天上午上门勘察")
        events = await _events(app, number)
    assert EventKind.REPLIED in events


SUPERVISOR = 880077


async def test_a_supervisor_approves_and_refuses_extensions_with_buttons(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    from bot.services import handling  # noqa: PLC0415

    async with running_bot() as app:
        await _power_unit(app, (CLERK, Role.HANDLER))
        await add_official(app.services.uow_factory, SUPERVISOR, None, Role.SUPERVISOR)
        number, assigned = await _assigned(api, app)
        await _sign_off(api, assigned)
        clerk = Actor("telegram", str(CLERK))
        first = await handling.request_extension(app.services, clerk, number, "需要现场勘察")
        card = await api.wait_for_sent(SUPERVISOR, f"申请编号：{first.request_id}")
        assert card.buttons == {
            "批准延期": f"xa:{first.request_id}",
            "驳回": f"xr:{first.request_id}",
        }
        api.press(SUPERVISOR, card, "批准延期")
        await api.wait_for_text(SUPERVISOR, f"已批准工单 {number} 的延期申请")
        await api.wait_for_text(CLERK, "延期")
        other = await _file(api, FIRM + 5, POWER)
        other_card = await api.wait_for_sent(CLERK, f"【新派诉求】工单 {other}")
        await _sign_off(api, other_card)
        second = await handling.request_extension(app.services, clerk, other, "还要协调")
        card = await api.wait_for_sent(SUPERVISOR, f"申请编号：{second.request_id}")
        api.press(SUPERVISOR, card, "驳回")
        await api.wait_for_text(SUPERVISOR, "驳回延期申请")
        api.send_text(SUPERVISOR, "理由不充分，请按期办结")
        await api.wait_for_text(SUPERVISOR, f"已驳回工单 {other} 的延期申请")
        events = await _events(app, number) + await _events(app, other)
    assert events.count(EventKind.EXTENSION_APPROVED) == 1
    assert events.count(EventKind.EXTENSION_REFUSED) == 1
