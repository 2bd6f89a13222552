"""The dashboard in headless Chromium (Debian's, through Playwright) on a phone's screen, over
a real aiohttp server and the real databases (SQLite file and PostgreSQL), with a fixed clock
(Friday 2026-11-27 10:00 Shanghai): the pages load, every figure shown is the report
service's for the same period, links expire, forged and other units' links show nothing, and a
screenshot is compared with a stored baseline (and its Chinese text checked to be drawn)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from PIL import Image
from playwright.async_api import Browser, Page

from bot.config import load_settings
from bot.domain.figures import Figure
from bot.services import reports
from bot.services.context import ServiceContext
from handlers.http.app import build_app
from handlers.http.dashboard.pages import SHOWN_FIGURES, TREND_FIGURES
from handlers.reports.chart import chart_rows, chart_size
from tests.e2e.browser import PHONE, PHONE_SCALE, chromium, compare_with_baseline, phone
from tests.http.conftest import start
from tests.http.dashboard_seed import (
    POWER_ADMIN,
    SECRET,
    SECRET_WORDS,
    SUPERVISOR,
    WEEK,
    Seeded,
    path_for,
    seed,
)
from tests.support import FixedClock

pytestmark = pytest.mark.e2e

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def seeded(ctx: ServiceContext, clock: FixedClock) -> Seeded:
    return await seed(ctx, clock)


@pytest.fixture
async def base(ctx: ServiceContext, seeded: Seeded) -> AsyncIterator[str]:
    client: Client = await start(
        build_app(ctx, load_settings(_env_file=None, dashboard_secret=SECRET))
    )
    yield str(client.make_url("")).rstrip("/")
    await client.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    async with phone(browser) as page:
        yield page


def _shown(figures: tuple[Figure, ...], key: str) -> str:
    return next(f for f in figures if f.key == key).shown()


async def _text(page: Page, selector: str) -> str:
    return (await page.locator(selector).inner_text()).strip()


async def _check_figures(
    page: Page, report: reports.WeeklyReport, trend: tuple[reports.TrendWeek, ...]
) -> None:
    """Every number on the district page is the report's."""
    district = report.units[0]
    assert await _text(page, "#received") == str(district.counts.received)
    assert await _text(page, "#resolved") == str(district.counts.resolved)
    assert await _text(page, "#overdue-open") == str(district.counts.overdue_open)
    for key in SHOWN_FIGURES:
        card = page.locator(f'#figures .card[data-figure="{key}"] .value')
        assert (await card.inner_text()).strip() == _shown(district.figures, key), key
    rows = page.locator("#units tr[data-unit]")
    assert await rows.count() == len(report.units) - 1
    for unit in report.units[1:]:
        row = page.locator(f'#units tr[data-unit="{unit.unit}"]')
        assert await _text(row, 'td[data-count="received"]') == str(unit.counts.received)
        for key in SHOWN_FIGURES:
            cell = await row.locator(f'td[data-figure="{key}"]').inner_text()
            assert cell.strip() == _shown(unit.figures, key), (unit.unit, key)
    for ranked in report.ranking:
        row = page.locator(f'#ranking tr[data-rank-unit="{ranked.unit}"]')
        position = await row.locator("td[data-position]").inner_text()
        assert position.strip() == (str(ranked.position) if ranked.position else "未排名")
        score = await row.locator("td[data-score]").inner_text()
        assert score.strip() == ("—" if ranked.score is None else f"{ranked.score:.1f}")
    assert await page.locator("#trend tr[data-week]").count() == len(trend)
    for week in trend:
        cells = page.locator(f'#trend tr[data-week="{week.week}"] td')
        shown = [t.strip() for t in await cells.all_inner_texts()]
        assert shown == [str(week.received), *(_shown(week.figures, k) for k in TREND_FIGURES)]
    topics = [t.strip() for t in await page.locator("#topics li .excerpt").all_inner_texts()]
    assert topics == [t.sample_text for t in report.hot_topics]


async def test_the_district_page_shows_the_reports_figures(
    ctx: ServiceContext, base: str, page: Page, seeded: Seeded
) -> None:
    path = await path_for(ctx, SUPERVISOR)
    response = await page.goto(base + path + f"&week={WEEK}")
    assert response is not None and response.status == 200
    report = await reports.weekly_report(ctx, WEEK)
    await _check_figures(page, report, await reports.district_trend(ctx, report))
    # the current week (the default) is the same week on Friday
    await page.goto(base + path)
    assert "本周（截至目前）：2026-W48" in await _text(page, "#period")
    await _check_figures(page, report, await reports.district_trend(ctx, report))
    # overdue now, as the report counts it at the end of the week still running
    assert await _text(page, "#overdue-total") == str(report.units[0].counts.overdue_open)
    assert int(await _text(page, "#overdue-total")) > 0 and report.hot_topics
    assert SECRET_WORDS[:8] not in await page.content()
    # the report's chart, embedded (loaded once scrolled to), at the size the chart has
    chart = page.locator("#trend figure.chart img")
    await chart.scroll_into_view_if_needed()
    await page.wait_for_function(
        "(img => img.complete && img.naturalWidth > 0)(document.querySelector('#trend img'))",
        timeout=60_000,
    )
    natural = await chart.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert natural == list(chart_size(len(chart_rows(report))))


async def test_any_period_chosen_in_the_form(
    ctx: ServiceContext, base: str, page: Page, seeded: Seeded
) -> None:
    await page.goto(base + await path_for(ctx, SUPERVISOR))
    await page.locator("details.choose-period summary").click()
    form = page.locator("form.choose").nth(1)
    await form.locator('input[name="from"]').fill("2026-11-20")
    await form.locator('input[name="to"]').fill("2026-11-26")
    async with page.expect_navigation():
        await form.locator("button").click()
    assert "2026-11-20~2026-11-26" in await _text(page, "#period")
    report = await reports.period_report(ctx, date(2026, 11, 20), date(2026, 11, 26))
    await _check_figures(page, report, await reports.district_trend(ctx, report))


async def test_a_unit_page_and_an_orders_history(
    ctx: ServiceContext, base: str, page: Page, seeded: Seeded
) -> None:
    await page.goto(base + await path_for(ctx, SUPERVISOR) + f"&week={WEEK}")
    async with page.expect_navigation():
        await page.locator(f'#units tr[data-unit="{seeded.power}"] a').click()
    assert await _text(page, "#scope") == seeded.power
    report = await reports.weekly_report(ctx, WEEK)
    unit = next(u for u in report.units if u.unit == seeded.power)
    for key in SHOWN_FIGURES:
        value = await _text(page, f'#figures .card[data-figure="{key}"] .value')
        assert value == _shown(unit.figures, key)
    # the unit's trend is the unit's own
    trend = await reports.district_trend(ctx, report, unit=seeded.power)
    for week in trend:
        cells = page.locator(f'#trend tr[data-week="{week.week}"] td')
        shown = [t.strip() for t in await cells.all_inner_texts()]
        assert shown == [str(week.received), *(_shown(week.figures, k) for k in TREND_FIGURES)]
    # an overdue order's whole history
    await page.goto(base + await path_for(ctx, SUPERVISOR))
    first = page.locator("#overdue li[data-number] a").first
    number = (await first.inner_text()).strip()
    async with page.expect_navigation():
        await first.click()
    assert await _text(page, "#number") == number
    kinds = await page.locator("#history li").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds[0] == "submitted" and "clock_breached" in kinds


async def test_links_expire(
    ctx: ServiceContext, clock: FixedClock, base: str, page: Page, seeded: Seeded
) -> None:
    url = base + await path_for(ctx, SUPERVISOR)
    assert (await page.goto(url)) is not None
    assert await page.locator("#figures").count() == 1
    clock.advance(hours=24)
    response = await page.goto(url)
    assert response is not None and response.status == 403
    assert "已过期" in await _text(page, "#reason")
    assert await page.locator("#figures, #units, #overdue").count() == 0


async def test_forged_and_other_unit_links_show_nothing(
    ctx: ServiceContext, base: str, page: Page, seeded: Seeded
) -> None:
    unit_path = await path_for(ctx, POWER_ADMIN)
    response = await page.goto(base + unit_path + "&unit=" + seeded.bank)
    assert response is not None and response.status == 403
    assert "只能查看本单位" in await _text(page, "#reason")
    forged = unit_path[:-4] + ("AAAA" if not unit_path.endswith("AAAA") else "BBBB")
    response = await page.goto(base + forged)
    assert response is not None and response.status == 403
    assert "无效" in await _text(page, "#reason")
    response = await page.goto(base + "/dashboard")
    assert response is not None and response.status == 403
    assert await page.locator("#figures, #units, #overdue").count() == 0
    # the unit's own link works and names the unit
    await page.goto(base + unit_path)
    assert await _text(page, "#scope") == seeded.power


async def _glyph_images(page: Page, chars: str) -> list[bytes]:
    """Each character drawn alone in the page's own font, as a PNG."""
    await page.evaluate(
        """chars => { const box = document.createElement('div'); box.id = 'glyphs';
        for (const c of chars) { const s = document.createElement('span');
          s.textContent = c; s.style.fontSize = '40px'; box.appendChild(s); }
        document.body.prepend(box); }""",
        chars,
    )
    await page.evaluate("document.fonts.ready")
    shots = [await span.screenshot() for span in await page.locator("#glyphs span").all()]
    await page.evaluate("document.getElementById('glyphs').remove()")
    return shots


async def test_the_phone_screenshot_matches_the_baseline_with_chinese_drawn(
    ctx: ServiceContext, base: str, page: Page, seeded: Seeded
) -> None:
    await page.goto(base + await path_for(ctx, SUPERVISOR) + f"&week={WEEK}")
    # Chinese is drawn in a real font, not as "missing glyph" boxes: boxes all look alike
    glyphs = await _glyph_images(page, "偃师区督办解决率")
    assert len(set(glyphs)) == len(glyphs), "Chinese characters are drawn as identical boxes"
    # the page fits a phone: nothing wider than the screen but the scrolling tables
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    # the same font on any machine (a system CJK font would draw other pixels), then the shot
    await page.add_style_tag(content='body { font-family: "YousuCJK", sans-serif !important; }')
    await page.evaluate("document.fonts.ready")
    await page.wait_for_function(
        "[...document.fonts].some(f => f.family.includes('YousuCJK') && f.status === 'loaded')"
    )
    shot = await page.screenshot()
    image = Image.open(io.BytesIO(shot)).convert("L")
    assert image.size == (PHONE["width"] * PHONE_SCALE, PHONE["height"] * PHONE_SCALE)
    dark = sum(image.histogram()[:128]) / (image.size[0] * image.size[1])
    assert 0.01 < dark < 0.5, f"{dark:.1%} dark pixels: blank or broken"
    compare_with_baseline("dashboard_district_phone.png", shot)
