"""``/dashboard``: a signed, expiring link to the supervisors' dashboard, in the official's
own chat. Supervisors, dispatchers and admins get the district's; a unit admin gets the own
unit's; anyone else is told politely why not (the service decides)."""

from __future__ import annotations

from telegram import LinkPreviewOptions, Update
from telegram.ext import ContextTypes

from bot.domain.local_time import show_local
from bot.services import dashboard
from bot.services.context import ServiceContext
from bot.services.dashboard import DashboardLink, LinkSettings
from handlers.telegram.enterprise import sender


def link_text(link: DashboardLink, services: ServiceContext) -> str:
    scope = link.unit or "全区"
    until = show_local(link.expires_at, services.zone, seconds=False)
    return (
        f"督办看板（{scope}）：\n{link.url}\n"
        f"链接有效至 {until}（北京时间），过期后请再发送 /dashboard 获取。\n"
        "请勿转发：持有链接的人都能查看看板。"
    )


class DashboardHandlers:
    def __init__(self, services: ServiceContext, links: LinkSettings) -> None:
        self._services = services
        self._links = links

    async def command(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        link = await dashboard.issue_link(self._services, actor, self._links)
        await message.reply_text(
            link_text(link, self._services),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
