"""The dashboard's routes: the overview (district or one unit, any period), one order's
history, the chart (PNG, district links) and the static files (style sheet, CJK font).

Each page reads the link's token (``t``) and its parameters, asks the dashboard service, and
draws the answer; a refused, expired, forged or out-of-scope link, a bad parameter or an
unknown order gets a Chinese page with its status (403, 400, 404) and no data. Pages are
never cached and never send a referrer, so the link does not travel further than it was
handed.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.domain.dashboard_links import DashboardGrant, OutOfScope
from bot.errors import YousuError
from bot.services import dashboard
from bot.services.dashboard import LinkSettings
from bot.services.reports import district_trend
from handlers.http.dashboard import pages
from handlers.http.routes import SERVICES
from handlers.reports.fonts import cjk_font_path

LINKS = web.AppKey("dashboard_links", LinkSettings)
STATIC = Path(__file__).resolve().parent / "static"
#: headers of every dashboard page: not cached, not framed, not indexed, no referrer
PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}

Page = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: matplotlib's settings (the chart's CJK font among them) are global to the process: one
#: chart at a time, or a chart finishing first would take the font from one still drawing
_CHART_LOCK = threading.Lock()


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=PRIVATE
    )


def _page(handler: Page) -> Page:
    """Named errors become the refusal page with their status; nothing else is shown."""

    @functools.wraps(handler)
    async def page(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except YousuError as exc:
            status = exc.http_status if exc.http_status >= 400 else 400
            return _html(pages.render("refused.html", message=exc.zh, status=status), status)

    return page


async def _grant(request: web.Request) -> DashboardGrant:
    services = request.app[SERVICES]
    return await dashboard.admit(services, request.app[LINKS].secret, request.query.get("t"))


def _formatter(request: web.Request) -> pages.Formatter:
    services = request.app[SERVICES]
    return pages.Formatter(services.zone, services.sla)


@_page
async def overview(request: web.Request) -> web.StreamResponse:
    grant = await _grant(request)
    query = request.query
    services = request.app[SERVICES]
    view = await dashboard.overview(
        services,
        grant,
        unit=query.get("unit"),
        week=query.get("week"),
        first=query.get("from"),
        last=query.get("to"),
    )
    token = query.get("t", "")
    return _html(
        pages.render(
            "overview.html",
            view=view,
            grant=grant,
            fmt=_formatter(request),
            now=services.clock.now(),
            token=token,
            url=functools.partial(pages.page_url, token=token),
            query=dict(query),
            excerpt=dashboard.overdue_excerpt,
        )
    )


@_page
async def order(request: web.Request) -> web.StreamResponse:
    grant = await _grant(request)
    services = request.app[SERVICES]
    history = await dashboard.order_history(services, grant, request.match_info["number"])
    token = request.query.get("t", "")
    return _html(
        pages.render(
            "order.html",
            history=history,
            grant=grant,
            fmt=_formatter(request),
            now=services.clock.now(),
            token=token,
            url=functools.partial(pages.page_url, token=token),
        )
    )


@_page
async def chart(request: web.Request) -> web.StreamResponse:
    """The report chart (every unit's bars and the district's trend): district links only."""
    grant = await _grant(request)
    if not grant.district:
        raise OutOfScope("全区")
    from handlers.reports.chart import render_chart  # noqa: PLC0415 - loads matplotlib

    services = request.app[SERVICES]
    query = request.query
    report = await dashboard.choose_report(
        services, query.get("week"), query.get("from"), query.get("to")
    )
    trend = await district_trend(services, report)

    def draw() -> bytes:
        with _CHART_LOCK:
            return render_chart(report, trend)

    png = await asyncio.to_thread(draw)
    return web.Response(body=png, content_type="image/png", headers=PRIVATE)


async def style(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(
        STATIC / "dashboard.css", headers={"Cache-Control": "public, max-age=3600"}
    )


async def font(_request: web.Request) -> web.StreamResponse:
    """Noto Sans SC for devices without a Chinese font (the page names the usual system
    fonts first, so a phone that has one never fetches this)."""
    return web.FileResponse(
        cjk_font_path(),
        headers={"Cache-Control": "public, max-age=31536000", "Content-Type": "font/otf"},
    )


def add_routes(app: web.Application, links: LinkSettings) -> None:
    app[LINKS] = links
    app.router.add_get("/dashboard", overview)
    app.router.add_get(r"/dashboard/orders/{number:[^/]{1,64}}", order)
    app.router.add_get("/dashboard/chart.png", chart)
    app.router.add_get("/dashboard/static/dashboard.css", style)
    app.router.add_get("/dashboard/static/cjk.otf", font)
