"""The conversation end to end (real PTB application, Bot API stand-in, SQLite file): only
complaints are filed; questions, greetings, additions, verdicts and unsure texts each get what
they need; buttons carry the thread; a restart in the middle of a clarifying question loses
nothing; files and photos are accepted; hostile input gets a clear answer."""

from __future__ import annotations

import re

import pytest

from bot.domain.records import Actor, EventKind, Role, Status
from bot.services import handling, queries
from bot.services.intake import MAX_TEXT
from handlers.telegram.standin import BotApiStandIn, Sent
from tests.e2e.conftest import RunningBot
from tests.support import add_official

pytestmark = pytest.mark.e2e

FIRM = 760001
CLERK = 760002
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
NUMBER = re.compile(r"工单编号：(\d{8}-\d{4})")


async def _filed(app: object, user: int = FIRM) -> list[str]:
    complaints = await queries.my_complaints(app.services, Actor("telegram", str(user)))  # type: ignore[attr-defined]
    return [c.number for c in complaints]


async def _file(api: BotApiStandIn, text: str = POWER, user: int = FIRM) -> str:
    """Send ``text`` and return the number of the complaint it filed (a new acknowledgement)."""
    before = len(api.messages_to(user))
    api.send_text(user, text)
    for _ in range(2):  # the acknowledgement, perhaps followed by the profile's question
        told = await api.wait_for_messages(user, before + 1)
        match = NUMBER.search("\n".join(told[before:]))
        if match:
            return match.group(1)
    raise AssertionError(api.messages_to(user)[before:])


async def _file_by_button(api: BotApiStandIn, app: object, message: Sent) -> str:
    """Press 提交诉求 on ``message``; the text of the one complaint it filed."""
    api.press(FIRM, message, "提交诉求")
    await api.wait_for_text(FIRM, "已受理您的诉求")
    [number] = await _filed(app)
    actor = Actor("telegram", str(FIRM))
    view = await queries.complaint_status(app.services, actor, number)  # type: ignore[attr-defined]
    return view.complaint.text


async def test_greetings_thanks_and_questions_file_nothing(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        api.send_text(FIRM, "你好")
        greeting = await api.wait_for_text(FIRM, "有诉即办")
        api.send_text(FIRM, "谢谢")
        thanks = await api.wait_for_text(FIRM, "不客气")
        api.send_text(FIRM, "请问1330是什么意思？")
        answer = await api.wait_for_sent(FIRM, "1330")
        filed = await _filed(app)
    assert "直接用文字描述" in greeting and "/mine" in thanks
    assert filed == []  # not one work order
    assert "首个工作日" in answer.text
    assert answer.buttons == {"按诉求提交": "cv:file"}


async def test_a_question_is_filed_after_all_by_its_button(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        question = "企业开办全程网办需要几个工作日？"
        api.send_text(FIRM, question)
        answer = await api.wait_for_sent(FIRM, "举措")
        api.press(FIRM, answer, "按诉求提交")
        await api.wait_for_text(FIRM, "已受理您的诉求")
        [number] = await _filed(app)
        view = await queries.complaint_status(app.services, Actor("telegram", str(FIRM)), number)
        # pressed again (a stale copy of the button): the text was taken once
        assert answer.buttons == {}  # the choice was made: its button went
        api.press(FIRM, answer, "cv:file")
        await api.wait_for_text(FIRM, "没有找到待处理的消息")
        assert len(await _filed(app)) == 1
    assert view.complaint.text == question


async def test_a_question_that_may_be_a_grievance_is_answered_and_asked(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    # the shipped classifier reads it as a question, with some chance of a grievance
    question = "申报的补贴说今年能批吗？"
    async with running_bot() as app:
        api.send_text(FIRM, question)
        answer = await api.wait_for_sent(FIRM, "想跟您确认一下")
        assert answer.buttons == {"提交诉求": "cv:file", "只是咨询": "cv:ask:answered"}
        assert "举措" in answer.text  # the policy answer comes first
        api.press(FIRM, answer, "只是咨询")
        told = await api.wait_for_text(FIRM, "不生成工单")
        assert await _filed(app) == []
        assert "举措" not in told  # not answered twice
        # asked the same again, this time it is to be handled
        before = len(api.messages_to(FIRM))
        api.send_text(FIRM, question)
        await api.wait_for_messages(FIRM, before + 1)
        again = [m for m in api.sent if m.chat_id == FIRM and "想跟您确认一下" in m.text][-1]
        assert again is not answer
        assert await _file_by_button(api, app, again) == question


async def test_a_status_question_with_nothing_filed_here_offers_to_file_it(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    text = "我上周反映的那个事现在怎么样了"
    async with running_bot() as app:
        api.send_text(FIRM, text)
        asked = await api.wait_for_sent(FIRM, "这里没有查到您正在办理的工单")
        assert await _filed(app) == []
        assert asked.buttons == {"提交诉求": "cv:file", "只是咨询": "cv:ask"}
        assert await _file_by_button(api, app, asked) == text


async def test_a_vague_text_is_asked_about_and_survives_a_restart(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        existing = await _file(api)
        api.send_text(FIRM, "有问题")
        asked = await api.wait_for_sent(FIRM, "请问您这条消息是")
        assert await _filed(app) == [existing]
    assert asked.buttons == {
        "提交诉求": "cv:file",
        "只是咨询": "cv:ask",
        f"补充到工单 {existing}": f"cv:add:{existing}",
    }
    async with running_bot() as app:  # the bot was restarted before the answer
        api.press(FIRM, asked, f"补充到工单 {existing}")
        await api.wait_for_text(FIRM, f"已补充到工单 {existing}")
        view = await queries.complaint_status(app.services, Actor("telegram", str(FIRM)), existing)
    assert [e.reason or e.data.get("text") for e in view.events if e.kind is EventKind.FOLLOWED_UP]


async def test_a_reply_to_the_bot_joins_its_complaint_and_an_official_never_files(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        number = await _file(api)
        ack = await api.wait_for_sent(FIRM, "已受理您的诉求")
        api.send({FIRM: 0}.get(FIRM) or FIRM, {"text": "补充：变压器是400千伏安的"}, reply_to=ack)
        await api.wait_for_text(FIRM, f"已补充到工单 {number}")
        # an official of the unit replies; the enterprise answers with the reply's button
        decision = app.services.route(POWER)
        assert decision.lead_unit
        await add_official(app.services.uow_factory, CLERK, decision.lead_unit, Role.HANDLER)
        official = Actor("telegram", str(CLERK))
        await handling.sign_off(app.services, official, number)
        await handling.reply(app.services, official, number, "请问贵厂的用电地址在哪里？")
        reply = await api.wait_for_sent(FIRM, "请问贵厂的用电地址在哪里")
        assert reply.buttons == {"回复": f"ad:{number}"}
        api.press(FIRM, reply, "回复", first_name="企业用户")
        await api.wait_for_text(FIRM, "请直接发送您对工单")
        api.send_text(FIRM, "首阳山街道工业园3号")
        await api.wait_for_text(FIRM, f"已补充到工单 {number}")
        # the official's own texts never become work orders
        api.send_text(CLERK, "收到，马上联系企业")
        await api.wait_for_text(CLERK, "文字消息不会生成工单")
        assert await _filed(app) == [number]
        assert await _filed(app, CLERK) == []
        view = await queries.complaint_status(app.services, official, number)
        api.send_text(FIRM, f"/status {number}")
        thread = await api.wait_for_text(FIRM, "办理记录")
    # the whole thread, in order: the steps, the unit's question and the answers
    lines = thread.split("办理记录：")[1]
    order = [
        "受理",
        "企业补充：补充：变压器",
        "承办单位签收",
        "单位答复：请问贵厂",
        "企业补充：首阳山",
    ]
    positions = [lines.index(part) for part in order]
    assert positions == sorted(positions), lines
    follow_ups = [e for e in view.events if e.kind is EventKind.FOLLOWED_UP]
    assert len(follow_ups) == 2


async def test_rating_with_buttons_after_the_unit_resolves(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        number = await _file(api)
        decision = app.services.route(POWER)
        assert decision.lead_unit
        await add_official(app.services.uow_factory, CLERK, decision.lead_unit, Role.HANDLER)
        official = Actor("telegram", str(CLERK))
        await handling.sign_off(app.services, official, number)
        await handling.resolve(app.services, official, number, "已完成增容，今日送电。")
        notice: Sent = await api.wait_for_sent(FIRM, "办结说明")
        assert notice.buttons == {"已解决": f"ok:{number}:1", "未解决": f"ok:{number}:0"}
        api.press(FIRM, notice, "已解决", first_name="企业用户")
        await api.wait_for_text(FIRM, "请为办理结果打分")
        assert set(notice.buttons) == {"★★★★★", "★★★★", "★★★", "★★", "★"}
        api.press(FIRM, notice, "★★★★", first_name="企业用户")
        await api.wait_for_text(FIRM, "已结案")
        view = await queries.complaint_status(app.services, official, number)
    assert view.complaint.status is Status.CLOSED
    assert [(r.score, r.solved) for r in view.ratings] == [(4, True)]


async def test_photos_with_and_without_text(api: BotApiStandIn, running_bot: RunningBot) -> None:
    async with running_bot() as app:
        api.send_photo(FIRM, caption="门口的路被施工方挖断一个月了，货车进不来")
        await api.wait_for_text(FIRM, "已受理您的诉求")
        api.send_photo(FIRM)  # no text: asked for it, nothing filed yet
        await api.wait_for_text(FIRM, "请再发一条文字")
        assert len(await _filed(app)) == 1
        await _file(api, "消防验收排了一个多月的队还没排上，厂房没法投产，这是通知单")
        api.send_photo(FIRM, caption="看看这个", file_size=30 * 1024 * 1024)
        await api.wait_for_text(FIRM, "附件太大或太多")
        complaints = await queries.my_complaints(app.services, Actor("telegram", str(FIRM)))
    assert len(complaints) == 2
    assert all(
        len(c.attachments) == 1 and c.attachments[0].startswith("photo:") for c in complaints
    )


async def test_hostile_input_gets_a_clear_answer(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        api.send_photo(FIRM, caption="长" * (MAX_TEXT + 1))
        await api.wait_for_text(FIRM, "过长")
        number = await _file(api)
        sent = await api.wait_for_sent(FIRM, "已受理您的诉求")
        # a forged button: someone else's complaint, a malformed score, an unknown kind
        for forged in (f"st:{number}:1:9", "st:20261125-9999:1:5", "cv:add:20261125-0001", "zz:1"):
            api.press(FIRM, sent, forged, first_name="企业用户")
        await api.wait_for_messages(FIRM, len(api.messages_to(FIRM)) + 1, within=10)
        view = await queries.complaint_status(app.services, Actor("telegram", str(FIRM)), number)
    assert view.ratings == ()
    assert not any("Traceback" in t for t in api.messages_to(FIRM))


async def test_a_complaint_sent_by_mistake_is_withdrawn_by_its_button(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        number = await _file(api)
        ack = await api.wait_for_sent(FIRM, "已受理您的诉求")
        assert ack.buttons == {"撤回（误发时）": f"wd:{number}"}
        api.press(FIRM, ack, "撤回（误发时）", first_name="企业用户")
        await api.wait_for_text(FIRM, f"工单 {number} 已撤回")
        view = await queries.complaint_status(app.services, Actor("telegram", str(FIRM)), number)
    assert view.complaint.status is Status.WITHDRAWN
    assert ack.buttons == {}


async def test_the_profile_is_asked_once_after_the_first_complaint(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot():
        await _file(api)
        await api.wait_for_text(FIRM, "请发送企业名称")
        api.send_text(FIRM, "偃师市恒达轴承有限公司")
        await api.wait_for_text(FIRM, "统一社会信用代码")
        api.send_text(FIRM, "91410381MA44XXXX1")  # wrong: refused, the question stays
        await api.wait_for_text(FIRM, "统一社会信用代码应为18位")
        api.send_text(FIRM, "91350100M000100Y43")
        await api.wait_for_text(FIRM, "联系人姓名")
    async with running_bot():  # restarted mid-profile: the step is kept
        api.send_text(FIRM, "跳过")
        phone_question = await api.wait_for_sent(FIRM, "请发送联系电话")
        keyboard = phone_question.params.get("reply_markup") or {}
        assert keyboard.get("keyboard", [[{}]])[0][0].get("request_contact") is True
        api.send(
            FIRM,
            {"contact": {"phone_number": "+8613900001111", "first_name": "王", "user_id": FIRM}},
        )
        summary = await api.wait_for_text(FIRM, "企业信息：")
        # a second complaint does not ask again
        before = len(api.messages_to(FIRM))
        await _file(api, "办施工许可证跑了四趟，每次都说材料不全，也不一次说清楚")
        await api.wait_for_messages(FIRM, before + 1)
        api.send_text(FIRM, "/profile")
        shown = await api.wait_for_text(FIRM, "发送 /profile 修改")
    assert "偃师市恒达轴承有限公司" in summary and "91350100M000100Y43" in summary
    assert "+8613900001111" in summary and "联系人：未填写" in summary
    assert not any("请发送企业名称" in t for t in api.messages_to(FIRM)[before:])
    assert "偃师市恒达轴承有限公司" in shown


async def test_a_new_complaint_in_the_middle_of_the_profile_is_filed(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        await _file(api)
        await api.wait_for_text(FIRM, "请发送企业名称")
        await _file(api, "办施工许可证跑了四趟，每次都说材料不全，也不一次说清楚，到底要什么材料")
        assert len(await _filed(app)) == 2


async def test_officials_get_their_roles_command_menu(
    api: BotApiStandIn, running_bot: RunningBot, settings: object
) -> None:
    async with running_bot() as app:
        await add_official(app.services.uow_factory, CLERK, "区税务局", Role.HANDLER)
        await add_official(app.services.uow_factory, CLERK + 1, None, Role.DISPATCHER)
    async with running_bot():  # menus are set at start
        pass
    handler = {c["command"] for c in api.chat_commands[CLERK]}
    dispatcher = {c["command"] for c in api.chat_commands[CLERK + 1]}
    assert {"queue", "signoff", "reply", "resolve"} <= handler and "dispatch" not in handler
    assert {"waiting", "dispatch"} <= dispatcher and "signoff" not in dispatcher
    assert FIRM not in api.chat_commands


async def test_an_edited_message_joins_its_complaint_instead_of_filing_again(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        update_id = api.send_text(FIRM, POWER)
        await api.wait_for_text(FIRM, "已受理您的诉求")
        [number] = await _filed(app)
        api.edit(update_id, POWER + "（补充：已经等了两个半月）")
        await api.wait_for_text(FIRM, f"已补充到工单 {number}")
        question = api.send_text(FIRM, "你好")
        await api.wait_for_text(FIRM, "直接用文字描述")
        api.edit(question, "你好，在吗")
        await api.wait_for_text(FIRM, "修改不会重新提交")
        assert await _filed(app) == [number]


async def test_one_persons_messages_are_answered_in_the_order_sent(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        await _file(api)
        await api.wait_for_text(FIRM, "请发送企业名称")  # the profile question follows it
        before = len(api.messages_to(FIRM))
        api.send_photo(FIRM)  # the photo first, then its text, sent at once
        api.send_text(FIRM, "消防验收排了一个多月的队还没排上，厂房没法投产，这是通知单")
        told = await api.wait_for_messages(FIRM, before + 2)
        complaints = await queries.my_complaints(app.services, Actor("telegram", str(FIRM)))
    assert "请再发一条文字" in told[before] and "已受理您的诉求" in told[before + 1]
    assert complaints[0].attachments and complaints[0].attachments[0].startswith("photo:")


async def test_the_units_official_receives_the_photos_with_the_assignment(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    road = "门口的路被施工方挖断一个月了，货车进不来"
    async with running_bot() as app:
        unit = app.services.route(road).lead_unit
        assert unit is not None
        await add_official(app.services.uow_factory, CLERK, unit, Role.HANDLER)
        api.send_photo(FIRM, caption=road)
        await api.wait_for_text(CLERK, "新派诉求")
        photo = await api.wait_for_text(CLERK, "[photo:")
    assert photo.startswith(f"[photo:ph-{FIRM}-")
