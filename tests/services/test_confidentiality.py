"""Who reads what of a confidential complaint, as a matrix: every recipient role (the
enterprise, the lead unit's handler and unit admin, a co-unit, a dispatcher, a supervisor, an
admin, and the reports) against a confidential and a normal complaint, over every notification
that carries the enterprise's words, on both databases."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.domain.confidentiality import (
    FILER_WITHHELD,
    WITHHELD,
    Reader,
    may_name,
    may_quote,
    name_filer,
    quote,
)
from bot.domain.records import Actor, OutboxMessage, Role
from bot.services import enterprise, handling, intake, reports, sweeper, weekly_push
from bot.services import ledger as ledgers
from bot.services.context import ServiceContext
from bot.services.report_text import render_text
from handlers.reports.ledger import write_ledger
from handlers.telegram import texts
from tests.support import FixedClock, add_official

FIRM = Actor("telegram", "900001")
OTHER_FIRM = Actor("telegram", "900002")
POWER_UNIT = "国网洛阳市偃师供电公司"
CO_UNIT = "中国人民银行偃师支行"
#: the enterprise's own words: the complaint (and its repeat), a follow-up, a rating comment
#: (the secret first: the weekly push quotes only the start of a hot topic's sample)
COMPLAINT = "怕被报复不敢署名：厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案"
REPEAT = "怕被报复不敢署名：厂里新上了一条生产线，申请用电增容快两个月了，供电那边还是没给方案"
OTHER = "怕被报复不敢署名：我们厂也新上了生产线，申请用电增容快两个月了，供电那边一直没给方案"
FOLLOW_UP = "补充一下：经办人老板姓王，电话打不通"
COMMENT = "敷衍了事，问题根本没解决"
SECRETS = ("怕被报复", "老板姓王", "敷衍了事")

#: recipients by Telegram id; the two enterprises are 900001 and 900002
HANDLER, UNIT_ADMIN, CO_OFFICIAL, DISPATCHER, SUPERVISOR, ADMIN = 111, 112, 113, 700, 800, 900
OFFICIALS = {
    HANDLER: (POWER_UNIT, Role.HANDLER),
    UNIT_ADMIN: (POWER_UNIT, Role.UNIT_ADMIN),
    CO_OFFICIAL: (CO_UNIT, Role.HANDLER),
    DISPATCHER: (None, Role.DISPATCHER),
    SUPERVISOR: (None, Role.SUPERVISOR),
    ADMIN: (None, Role.ADMIN),
}
#: the notifications that quote the enterprise (its complaint, or more of its words)
QUOTING = {
    "dispatch_needed",
    "assigned",
    "co_unit_informed",
    "repeat_received",
    "follow_up",
    "chased",
    "extension_requested",
    "reopened",
    "clock_digest",
    "weekly_summary",
}


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


async def _everything_that_happens(ctx: ServiceContext, confidential: bool) -> None:
    """A complaint's whole life with every notification that quotes the enterprise: sent to
    dispatchers first, dispatched (the unit and a co-unit are told), repeated, followed up,
    chased, supervised, an extension asked for, resolved, reopened with a comment, a hot topic
    with another enterprise, deadlines breached, the weekly summary pushed."""
    for telegram_id, (unit, role) in OFFICIALS.items():
        await add_official(ctx.uow_factory, telegram_id, unit, role)
    unsure = dataclasses.replace(
        ctx,
        route=lambda text: dataclasses.replace(ctx.route(text), needs_dispatcher=True),
        co_units=lambda _measure, _lead: (CO_UNIT,),
    )
    ack = await intake.submit_complaint(unsure, FIRM, COMPLAINT, confidential=confidential)
    dispatcher = Actor("telegram", str(DISPATCHER))
    await handling.dispatch(unsure, dispatcher, ack.number, POWER_UNIT)
    repeat = await intake.submit_complaint(ctx, FIRM, REPEAT, confidential=confidential)
    assert repeat.repeat_of == ack.number
    await enterprise.follow_up(ctx, FIRM, ack.number, FOLLOW_UP)
    await enterprise.chase(ctx, FIRM, ack.number)
    await handling.supervise(ctx, Actor("telegram", str(SUPERVISOR)), ack.number, "请加快办理")
    handler = Actor("telegram", str(HANDLER))
    await handling.sign_off(ctx, handler, ack.number)
    await handling.reply(ctx, handler, ack.number, "已联系供电公司，正在出方案")
    await handling.request_extension(ctx, handler, ack.number, "需要现场勘查")
    await handling.resolve(ctx, handler, ack.number, "方案已出，已通电")
    await enterprise.rate(ctx, FIRM, ack.number, solved=False, score=1, comment=COMMENT)
    other = await intake.submit_complaint(ctx, OTHER_FIRM, OTHER, confidential=confidential)
    assert other.lead_unit == POWER_UNIT
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.advance(days=60)
    assert (await sweeper.sweep_clocks(ctx, "test"))[1] > 0
    assert await weekly_push.send_weekly_summary(ctx, "2026-W48") == 4  # 2 units


async def _messages(ctx: ServiceContext) -> list[OutboxMessage]:
    async with ctx.uow_factory() as uow:
        return await uow.outbox.claim(ctx.clock.now(), "test", 60, 1000)


@pytest.mark.parametrize("confidential", [True, False], ids=["confidential", "normal"])
async def test_who_reads_the_enterprise_s_words(
    ctx: ServiceContext, confidential: bool, tmp_path: Path
) -> None:
    await _everything_that_happens(ctx, confidential)
    received: dict[str, list[OutboxMessage]] = defaultdict(list)
    for message in await _messages(ctx):
        received[message.address].append(message)
    title = texts.milestone_titles(ctx.sla)

    def read_by(address: str) -> tuple[set[str], list[str]]:
        """The kinds ``address`` received, and the secrets it could read in them (in the
        stored payloads and in the Telegram texts made from them)."""
        kinds, leaked = set(), []
        for message in received[address]:
            kinds.add(message.kind)
            shown = json.dumps(message.payload, ensure_ascii=False)
            shown += texts.notification(message, ctx.zone, title)
            leaked += _leaks(shown)
        return kinds, leaked

    # every role received what quotes the enterprise, so the matrix is not vacuous
    expected_kinds = {
        HANDLER: {"assigned", "repeat_received", "follow_up", "chased", "reopened"},
        UNIT_ADMIN: {"assigned", "repeat_received", "follow_up", "reopened", "clock_digest"},
        CO_OFFICIAL: {"co_unit_informed"},
        DISPATCHER: {"dispatch_needed"},
        SUPERVISOR: {"extension_requested", "clock_digest", "weekly_summary"},
        ADMIN: {"weekly_summary"},
    }
    seen_kinds: set[str] = set()
    for telegram_id, wanted in expected_kinds.items():
        kinds, leaked = read_by(str(telegram_id))
        seen_kinds |= kinds
        assert wanted <= kinds, (telegram_id, kinds)
        if confidential:
            assert leaked == [], (telegram_id, OFFICIALS[telegram_id], leaked)
        else:
            assert leaked, (telegram_id, "a normal complaint is quoted")
    assert seen_kinds >= QUOTING
    for kind in QUOTING - {"weekly_summary"}:  # each of them, to officials
        to_officials = [
            m for a, ms in received.items() if int(a) in OFFICIALS for m in ms if m.kind == kind
        ]
        payloads = json.dumps([m.payload for m in to_officials], ensure_ascii=False)
        assert bool(_leaks(payloads)) is not confidential, kind
        if confidential:
            assert WITHHELD[Reader.OFFICIAL] in payloads, kind

    # the enterprise reads its own words either way
    kinds, leaked = read_by(FIRM.external_id)
    assert "status_changed" in kinds and "怕被报复" in leaked

    # the reports: the summary's text, its JSON, its ledger (every sheet)
    report = await reports.weekly_report(ctx, "2026-W48")
    [topic] = report.hot_topics
    assert topic.enterprises == 2
    orders = await ledgers.ledger(ctx, report)
    workbook = load_workbook(write_ledger(report, orders, tmp_path / "ledger.xlsx"))
    cells = " ".join(
        str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row
    )
    for shown in (render_text(report), json.dumps(report.as_dict(), ensure_ascii=False), cells):
        assert bool(_leaks(shown)) is not confidential
        assert (WITHHELD[Reader.REPORT] in shown) is confidential
    # nor who filed it: the ledger names the enterprise only when it is not confidential
    assert (FIRM.external_id in cells) is not confidential


async def test_a_hot_topic_is_sampled_from_a_complaint_that_is_not_confidential(
    ctx: ServiceContext,
) -> None:
    await intake.submit_complaint(ctx, FIRM, COMPLAINT, confidential=True)
    await intake.submit_complaint(ctx, OTHER_FIRM, OTHER.replace("怕被报复不敢署名", "着急"))
    report = await reports.weekly_report(ctx, "2026-W48")
    [topic] = report.hot_topics
    assert topic.complaints == 2 and topic.sample_text.startswith("着急：我们厂也新上了生产线")
    assert _leaks(render_text(report)) == []


async def test_a_repeat_filed_as_confidential_keeps_both_texts_from_the_unit(
    ctx: ServiceContext,
) -> None:
    await add_official(ctx.uow_factory, HANDLER, POWER_UNIT, Role.HANDLER)
    ack = await intake.submit_complaint(ctx, FIRM, COMPLAINT)  # not confidential at first
    repeat = await intake.submit_complaint(ctx, FIRM, REPEAT, confidential=True)
    assert repeat.repeat_of == ack.number
    [message] = [m for m in await _messages(ctx) if m.kind == "repeat_received"]
    assert _leaks(json.dumps(message.payload, ensure_ascii=False)) == []
    assert message.payload["repeat_text"] == WITHHELD[Reader.OFFICIAL]


@pytest.mark.parametrize("reader", list(Reader))
@pytest.mark.parametrize("confidential", [True, False])
def test_the_rule(reader: Reader, confidential: bool) -> None:
    shown = quote("怕被报复" * 50, confidential=confidential, reader=reader, limit=10)
    if may_quote(confidential=confidential, reader=reader):
        assert shown == "怕被报复" * 2 + "怕被…"
        assert not confidential or reader is Reader.ENTERPRISE
    else:
        assert shown == WITHHELD[reader] and "报复" not in shown
    named = name_filer("偃师某机械厂", confidential=confidential, reader=reader)
    knows = not confidential or reader in (Reader.ENTERPRISE, Reader.LEAD_UNIT)
    assert (named == "偃师某机械厂") is knows is may_name(confidential=confidential, reader=reader)
    assert named in ("偃师某机械厂", FILER_WITHHELD)


def test_a_confidential_complaints_attachments_stay_with_the_enterprise() -> None:
    from datetime import UTC, datetime  # noqa: PLC0415

    from bot.domain.confidentiality import Reader  # noqa: PLC0415
    from bot.domain.records import Complaint, Status  # noqa: PLC0415
    from bot.services.notifications import complaint_payload  # noqa: PLC0415

    now = datetime(2026, 11, 25, 2, tzinfo=UTC)
    complaint = Complaint(
        "20261125-0001", 1, "路被挖断", "telegram", "general", Status.ROUTED, now, now,
        attachments=("photo:abc",),
    )  # fmt: skip
    assert complaint_payload(complaint, Reader.OFFICIAL)["attachments"] == ["photo:abc"]
    complaint.confidential = True
    assert complaint_payload(complaint, Reader.OFFICIAL)["attachments"] == []
    assert complaint_payload(complaint, Reader.ENTERPRISE)["attachments"] == ["photo:abc"]
