"""What officials look at by command: /overdue (the district's or the own unit's orders past a
deadline), /stats (this week so far, per unit, ranked) and /report (the week just ended, as the
Monday push has it: the district's for district roles, the own unit's for a unit's officials).

Owns translating those commands; who sees which scope is the services' decision
(``bot.services.queries``, ``bot.services.roles``).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.services import queries, reports, roles
from bot.services.context import ServiceContext
from bot.services.report_text import render_phone, render_unit_phone
from handlers.telegram import official_texts, texts
from handlers.telegram.enterprise import sender


class OfficialViews:
    def __init__(self, services: ServiceContext) -> None:
        self._services = services
        self._title = texts.milestone_titles(services.sla)

    async def overdue(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        found = await queries.overdue(self._services, actor)
        await message.reply_text(
            official_texts.overdue_list(found, self._services.zone, self._title)
        )

    async def stats(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        unit = await roles.view_scope(self._services, actor)
        report = await reports.week_so_far(self._services)
        await message.reply_text(official_texts.week_stats(report, unit))

    async def report(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        unit = await roles.view_scope(self._services, actor)
        report = await reports.weekly_report(self._services)
        if unit is None:
            text = render_phone(report)
        else:
            text = render_unit_phone(reports.unit_view(report, unit), unit)
        await message.reply_text(text)
