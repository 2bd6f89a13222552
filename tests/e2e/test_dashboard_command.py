"""``/dashboard`` end to end: the real PTB application against the Bot API stand-in gives a
unit admin a link to the own unit and a supervisor one to the district, pointing at
``PUBLIC_BASE_URL``; the link then opens in headless Chromium on the real ``yousu serve`` app
(SQLite file and PostgreSQL). A handler and an enterprise are told why they get none."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.config import Settings
from bot.domain.records import Role
from bot.services import reports
from handlers.http.app import build_app
from handlers.telegram.standin import BotApiStandIn
from tests.e2e.browser import chromium, phone
from tests.e2e.conftest import RunningBot
from tests.e2e.test_enterprise_bot import FIRM, POWER, _file
from tests.support import add_official

pytestmark = pytest.mark.e2e

UNIT_ADMIN, SUPERVISOR, HANDLER = 860001, 860002, 860003
URL = re.compile(r"https?://\S+")


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    """The dashboard's socket, bound before the bot starts so its links can name the port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


@pytest.fixture
def settings(settings: Settings, listening: socket.socket) -> Settings:
    port = listening.getsockname()[1]
    return settings.model_copy(
        update={
            "dashboard_secret": SecretStr("e2e-dashboard-secret-0123456789"),
            "public_base_url": f"http://127.0.0.1:{port}",
        }
    )


async def _link(api: BotApiStandIn, user: int) -> tuple[str, str]:
    api.send_text(user, "/dashboard", first_name="工作人员")
    text = await api.wait_for_text(user, "督办看板")
    match = URL.search(text)
    assert match, text
    return match.group(0), text


async def test_dashboard_gives_a_link_that_opens_in_the_browser(
    api: BotApiStandIn,
    running_bot: RunningBot,
    settings: Settings,
    listening: socket.socket,
) -> None:
    async with running_bot() as app:
        unit = app.services.route(POWER).lead_unit
        assert unit is not None
        factory = app.services.uow_factory
        await add_official(factory, UNIT_ADMIN, unit, Role.UNIT_ADMIN)
        await add_official(factory, SUPERVISOR, None, Role.SUPERVISOR)
        await add_official(factory, HANDLER, unit, Role.HANDLER)
        number = await _file(api, FIRM, POWER)
        runner = web.AppRunner(build_app(app.services, settings))
        await runner.setup()
        try:
            await web.SockSite(runner, listening).start()
            unit_url, unit_text = await _link(api, UNIT_ADMIN)
            district_url, district_text = await _link(api, SUPERVISOR)
            api.send_text(HANDLER, "/dashboard", first_name="工作人员")
            refused = await api.wait_for_text(HANDLER, "督办看板只提供给")
            api.send_text(FIRM, "/dashboard")
            stranger = await api.wait_for_text(FIRM, "不是登记的工作人员")
            report = await reports.weekly_report(
                app.services, reports.current_week_label(app.services)
            )
            async with chromium() as browser, phone(browser) as page:
                response = await page.goto(unit_url)
                assert response is not None and response.status == 200
                scope = (await page.locator("#scope").inner_text()).strip()
                received = (await page.locator("#received").inner_text()).strip()
                sections = await page.locator("#figures, #overdue, #trend").count()
                order = await page.goto(
                    unit_url.replace("/dashboard?", f"/dashboard/orders/{number}?")
                )
                assert order is not None and order.status == 200
                history = await page.locator("#history li").count()
                response = await page.goto(district_url)
                assert response is not None and response.status == 200
                district_scope = (await page.locator("#scope").inner_text()).strip()
                units = await page.locator("#units tr[data-unit]").count()
        finally:
            await runner.cleanup()
    assert unit_url.startswith(settings.public_base_url + "/dashboard?t=")
    assert f"督办看板（{unit}）" in unit_text and "有效至" in unit_text
    assert "督办看板（全区）" in district_text and district_url != unit_url
    assert "http" not in refused and "http" not in stranger
    assert scope == unit and district_scope == "全区"
    counts = next(u for u in report.units if u.unit == unit).counts
    assert received == str(counts.received) == "1"
    assert history >= 2 and sections == 3
    assert units == len(report.units) - 1
