"""The weekly push (周报推送): every Monday, the week just ended, to each person once.

Owns who gets which week and when. Supervisors and admins get the district's week; each unit's
officials (handlers and unit admins) get their own unit's. A push is three outbox messages per
person: the short text for a phone, the chart (a photo) and the ledger (a document); the files
are drawn by the edge (``RenderFiles``, ``handlers.reports.files``) and kept once in the
database by their content (``OutboxFiles``), so a restart or another instance delivers them.

Exactly once per week and person: the dedupe keys name the week and the person. A week with
nothing in it (nothing received, nothing overdue) is not pushed, so a freshly started bot does
not greet supervisors with zeros; a unit's empty week is not pushed to that unit either. A push
by hand (``yousu report weekly --send``) is its own: it has other keys, so it never uses up the
Monday push, and it is sent even for an empty week (someone asked for it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, tzinfo
from typing import Any

from bot.domain.figures import last_complete_week
from bot.domain.records import Official, OutboxMessage, Role
from bot.services.context import ServiceContext
from bot.services.ledger import Ledger, ledger
from bot.services.report_text import render_phone, render_unit_phone
from bot.services.reports import (
    TrendWeek,
    WeeklyReport,
    is_empty,
    trends,
    unit_view,
    weekly_report,
)

log = logging.getLogger(__name__)

#: when last week's summary goes out: Monday at service opening (local time)
SUMMARY_AT = time(8, 30)
#: how often the bot process checks whether the summary is due
SUMMARY_CHECK_SECONDS = 600.0
#: the officials who get their own unit's week
UNIT_ROLES = (Role.HANDLER, Role.UNIT_ADMIN)
#: the district's week
DISTRICT_ROLES = (Role.SUPERVISOR, Role.ADMIN)
#: outbox message kinds of a push, in the order they are queued (and delivered)
TEXT, CHART, LEDGER = "weekly_summary", "weekly_chart", "weekly_ledger"


@dataclass(frozen=True, slots=True)
class PushFile:
    """A file of the push: ``kind`` is how it is sent (photo, document)."""

    kind: str
    name: str
    content: bytes


#: draws the files of a week (the district's or one unit's view of the report, its trend, its
#: ledger rows, and the unit or None); given by the composition root, run in a worker thread
RenderFiles = Callable[[WeeklyReport, Sequence[TrendWeek], Ledger, str | None], Sequence[PushFile]]
_FILE_KINDS = {"photo": CHART, "document": LEDGER}


def summary_due(now: datetime, zone: tzinfo) -> bool:
    """Last week's summary is due from Monday 08:30 on (and stays due all week: queuing it
    again is harmless, so a process started on Wednesday still sends it)."""
    local = now.astimezone(zone)
    return local.weekday() > 0 or local.time() >= SUMMARY_AT


def _unit_ledger(rows: Ledger, unit: str) -> Ledger:
    return replace(rows, orders=tuple(o for o in rows.orders if o.unit == unit))


async def _audiences(ctx: ServiceContext) -> dict[str | None, list[Official]]:
    """Who gets which week: None (the district) -> supervisors and admins; unit -> its
    officials."""
    async with ctx.uow_factory() as uow:
        everyone = [o for o in await uow.officials.all() if o.active]
    audiences: dict[str | None, list[Official]] = {}
    for official in everyone:
        if official.role in DISTRICT_ROLES:
            audiences.setdefault(None, []).append(official)
        elif official.role in UNIT_ROLES and official.unit:
            audiences.setdefault(official.unit, []).append(official)
    return audiences


def _text_key(prefix: str, address: str) -> str:
    # the text's key is the one pushes had before they carried files
    return f"{prefix}:telegram:{address}"


async def _waiting(
    ctx: ServiceContext, audiences: dict[str | None, list[Official]], prefix: str
) -> dict[str | None, list[Official]]:
    """The audiences without those who have this push already (nothing is drawn for them)."""
    keys = [_text_key(prefix, str(o.telegram_id)) for people in audiences.values() for o in people]
    async with ctx.uow_factory() as uow:
        taken = await uow.outbox.existing(keys)
    waiting = {
        unit: [o for o in people if _text_key(prefix, str(o.telegram_id)) not in taken]
        for unit, people in audiences.items()
    }
    return {unit: people for unit, people in waiting.items() if people}


async def send_weekly_summary(
    ctx: ServiceContext,
    week: str | None = None,
    files: RenderFiles | None = None,
    *,
    by_hand: bool = False,
) -> int:
    """Queue a week's push (default: the week just ended) for every supervisor and admin
    (the district's) and every unit's officials (their unit's); once per week and person.
    Returns how many people it was queued for now."""
    if week is None:
        year, number = last_complete_week(ctx.clock.now(), ctx.zone)
        week = f"{year}-W{number:02d}"
    report = await weekly_report(ctx, week)
    scope = "weekly-by-hand" if by_hand else "weekly"
    audiences = await _waiting(ctx, await _audiences(ctx), f"{scope}:{report.week}")
    if not by_hand:
        audiences = {u: p for u, p in audiences.items() if not is_empty(report, u)}
    if not audiences:  # everyone has it, or nobody has anything to read: nothing is drawn
        return 0
    rows = await ledger(ctx, report) if files is not None else None
    trend = await trends(ctx, report, list(audiences)) if files is not None else {}
    now = ctx.clock.now()
    messages: list[tuple[OutboxMessage, PushFile | None]] = []
    for unit, people in sorted(audiences.items(), key=lambda item: item[0] or ""):
        view = report if unit is None else unit_view(report, unit)
        text = render_phone(report) if unit is None else render_unit_phone(view, unit)
        drawn: Sequence[PushFile] = ()
        if files is not None and rows is not None:
            shown = rows if unit is None else _unit_ledger(rows, unit)
            drawn = await asyncio.to_thread(files, view, trend[unit], shown, unit)
        for person in people:
            address = str(person.telegram_id)
            head = {"week": report.week, "unit": unit}
            key = _text_key(f"{scope}:{report.week}", address)
            messages.append((_message(TEXT, address, {**head, "text": text}, now, key), None))
            for file in drawn:
                kind = _FILE_KINDS.get(file.kind, LEDGER)
                payload = {**head, "file": "", "name": file.name, "send_as": file.kind}
                file_key = f"{scope}:{report.week}:{kind}:telegram:{address}"
                messages.append((_message(kind, address, payload, now, file_key), file))
    return await _queue(ctx, messages, now)


def _message(
    kind: str, address: str, payload: dict[str, Any], now: datetime, key: str
) -> OutboxMessage:
    return OutboxMessage(kind, "telegram", address, payload, now, dedupe_key=key)


async def _queue(
    ctx: ServiceContext, messages: list[tuple[OutboxMessage, PushFile | None]], now: datetime
) -> int:
    """Store the files (naming each message's by its key) and the messages in one
    transaction; returns how many texts (people) were queued now (the rest were before)."""
    async with ctx.uow_factory() as uow:
        for message, file in messages:
            if file is not None:
                message.payload["file"] = await uow.outbox_files.put(file.name, file.content, now)
        texts = [m for m, _ in messages if m.kind == TEXT]
        queued = await uow.outbox.add_many(texts) if texts else 0
        others = [m for m, _ in messages if m.kind != TEXT]
        if others:
            await uow.outbox.add_many(others)
        await uow.commit()
    return queued


async def run_weekly_summaries(
    ctx: ServiceContext,
    files: RenderFiles | None = None,
    interval: float = SUMMARY_CHECK_SECONDS,
) -> None:
    """In the bot process: check every ``interval`` seconds whether last week's summary is
    due and queue it; once queued, the week's report is not computed again by this process
    (after a restart it is, once, and the dedupe keys keep it from going out twice). A failed
    check is logged and retried."""
    done: str | None = None
    while True:
        try:
            now = ctx.clock.now()
            year, number = last_complete_week(now, ctx.zone)
            week = f"{year}-W{number:02d}"
            if week != done and summary_due(now, ctx.zone):
                queued = await send_weekly_summary(ctx, week, files)
                done = week
                if queued:
                    log.info("weekly summary %s queued for %d officials", week, queued)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("weekly summary failed; retrying in %.0f s", interval)
        await asyncio.sleep(interval)
