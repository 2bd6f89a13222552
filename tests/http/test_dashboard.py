"""The dashboard over HTTP on a real socket (SQLite file and PostgreSQL): who gets which link,
what a link admits, and the refusals (no link, forged, expired, another unit's, a person whose
role changed, a bad period) answered with a Chinese page and no data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.config import load_settings
from bot.domain.lifecycle import NotAnOfficial, PermissionDenied
from bot.domain.records import Actor, Official, Role
from bot.services import enterprise, reports
from bot.services.context import ServiceContext
from bot.services.dashboard import DashboardDisabled, LinkSettings, issue_link
from handlers.http.app import build_app
from tests.http.conftest import start
from tests.http.dashboard_seed import (
    BANK_ADMIN,
    HANDLER,
    POWER_ADMIN,
    SECRET,
    SECRET_WORDS,
    SUPERVISOR,
    TOPIC,
    WEEK,
    Seeded,
    links,
    path_for,
    seed,
)
from tests.support import FixedClock

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def seeded(ctx: ServiceContext, clock: FixedClock) -> Seeded:
    return await seed(ctx, clock)


@pytest.fixture
async def client(ctx: ServiceContext, seeded: Seeded) -> AsyncIterator[Client]:
    settings = load_settings(_env_file=None, dashboard_secret=SECRET)
    client = await start(build_app(ctx, settings))
    yield client
    await client.close()


def _token(path: str) -> str:
    return parse_qs(urlsplit(path).query)["t"][0]


async def _page(client: Client, path: str, **params: str) -> tuple[int, str]:
    url = path + ("&" + urlencode(params) if params else "")
    response = await client.get(url)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return response.status, await response.text()


async def test_a_supervisor_sees_the_district_and_every_unit(
    client: Client, ctx: ServiceContext, seeded: Seeded
) -> None:
    path = await path_for(ctx, SUPERVISOR)
    status, html = await _page(client, path, week=WEEK)
    assert status == 200
    assert 'id="scope" class="pill">全区' in html
    assert f'data-unit="{seeded.power}"' in html and f'data-unit="{seeded.bank}"' in html
    report = await reports.weekly_report(ctx, WEEK)
    assert f'<b id="received">{report.units[0].counts.received}</b>' in html
    status, html = await _page(client, path, unit=seeded.bank, week=WEEK)
    assert status == 200 and 'id="scope" class="pill">' + seeded.bank in html


async def test_a_unit_admin_sees_the_own_unit_only(
    client: Client, ctx: ServiceContext, seeded: Seeded
) -> None:
    path = await path_for(ctx, POWER_ADMIN)
    status, html = await _page(client, path, week=WEEK)
    assert status == 200 and 'id="scope" class="pill">' + seeded.power in html
    assert f'data-unit="{seeded.bank}"' not in html  # no table of other units
    assert f'data-rank-unit="{seeded.bank}"' not in html  # nor their ranking rows
    assert TOPIC[0][:12] in html  # the hot topic the unit handles
    bank_status, bank_html = await _page(client, await path_for(ctx, BANK_ADMIN), week=WEEK)
    assert bank_status == 200 and TOPIC[0][:12] not in bank_html
    status, html = await _page(client, path, unit=seeded.bank)
    assert status == 403 and "只能查看本单位" in html and seeded.bank not in html.split("<main>")[1]


async def test_another_units_order_reads_as_an_unknown_number(
    client: Client, ctx: ServiceContext, seeded: Seeded
) -> None:
    async with ctx.uow_factory() as uow:
        [loan] = await uow.complaints.for_unit(seeded.bank)
    bank = await path_for(ctx, BANK_ADMIN)
    power = await path_for(ctx, POWER_ADMIN)
    order = f"/dashboard/orders/{loan.number}?t={_token(bank)}"
    status, html = await _page(client, order)
    assert status == 200 and loan.number in html and "已联系，明天对接银行" in html
    foreign = f"/dashboard/orders/{loan.number}?t={_token(power)}"
    unknown = f"/dashboard/orders/20261125-0999?t={_token(power)}"
    (s1, h1), (s2, h2) = await _page(client, foreign), await _page(client, unknown)
    assert s1 == s2 == 404
    assert "已联系" not in h1 and h1.replace(loan.number, "N") == h2.replace("20261125-0999", "N")


@pytest.mark.parametrize("mangle", ["none", "empty", "flip", "other-key"])
async def test_no_link_or_a_forged_one_shows_nothing(
    client: Client, ctx: ServiceContext, seeded: Seeded, mangle: str
) -> None:
    token = _token(await path_for(ctx, SUPERVISOR))
    if mangle == "none":
        path = "/dashboard"
    elif mangle == "empty":
        path = "/dashboard?t="
    elif mangle == "flip":
        path = "/dashboard?" + urlencode(
            {"t": token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]}
        )
    else:
        other = await issue_link(
            ctx, Actor("telegram", str(SUPERVISOR)), LinkSettings("x" * 32, "http://h")
        )
        path = urlsplit(other.url).path + "?" + urlsplit(other.url).query
    status, html = await _page(client, path)
    assert status == 403 and "看板链接" in html
    assert seeded.power not in html and "受理" not in html.split("<main>")[1]
    status, _ = await _page(client, path.replace("/dashboard", "/dashboard/chart.png", 1))
    assert status == 403


async def test_a_link_expires(
    client: Client, ctx: ServiceContext, clock: FixedClock, seeded: Seeded
) -> None:
    path = await path_for(ctx, SUPERVISOR)
    clock.advance(hours=23, minutes=59)
    assert (await _page(client, path))[0] == 200
    clock.advance(minutes=1)
    status, html = await _page(client, path)
    assert status == 403 and "已过期" in html and seeded.power not in html


async def test_a_link_dies_with_its_holders_role(
    client: Client, ctx: ServiceContext, seeded: Seeded
) -> None:
    path = await path_for(ctx, POWER_ADMIN)
    async with ctx.uow_factory() as uow:
        await uow.officials.upsert(Official(POWER_ADMIN, seeded.bank, Role.UNIT_ADMIN))
        await uow.commit()
    status, html = await _page(client, path)
    assert status == 403 and "已失效" in html


async def test_handlers_and_strangers_get_no_link(ctx: ServiceContext, seeded: Seeded) -> None:
    with pytest.raises(PermissionDenied, match="may not have a dashboard link"):
        await issue_link(ctx, Actor("telegram", str(HANDLER)), links())
    with pytest.raises(NotAnOfficial):
        await issue_link(ctx, Actor("telegram", "123"), links())
    with pytest.raises(DashboardDisabled):
        await issue_link(ctx, Actor("telegram", str(SUPERVISOR)), LinkSettings(None, "http://h"))


async def test_a_link_lasts_as_long_as_the_setting_says(
    ctx: ServiceContext, clock: FixedClock, seeded: Seeded
) -> None:
    link = await issue_link(
        ctx, Actor("telegram", str(SUPERVISOR)), LinkSettings(SECRET, "https://x.gov.cn/", 2)
    )
    assert link.url.startswith("https://x.gov.cn/dashboard?t=")
    assert link.expires_at == clock.now() + timedelta(hours=2) and link.unit is None


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"week": "2026-W99"}, "没有第99周"),
        ({"week": "48"}, "周次格式不对"),
        ({"from": "2026-11-01"}, "同时填写"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "早于开始日期"),
        ({"from": "2025-01-01", "to": "2026-11-30"}, "最长 366 天"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "开始日期格式不对"),
    ],
)
async def test_a_bad_period_is_a_clear_400(
    client: Client, ctx: ServiceContext, seeded: Seeded, params: dict[str, str], said: str
) -> None:
    path = await path_for(ctx, SUPERVISOR)
    status, html = await _page(client, path, **params)
    assert status == 400 and said in html


async def test_confidential_words_and_filer_never_reach_a_page(
    client: Client, ctx: ServiceContext, seeded: Seeded
) -> None:
    added = "补充：供电所的人上周又来厂里暗示要好处"
    await enterprise.follow_up(ctx, Actor("telegram", "5"), seeded.confidential, added)
    await enterprise.chase(ctx, Actor("telegram", "5"), seeded.confidential, "催一下，再拖要停产")
    shown = 0
    for who in (SUPERVISOR, POWER_ADMIN, BANK_ADMIN):
        path = await path_for(ctx, who)
        status, html = await _page(client, path, week=WEEK)
        assert status == 200 and SECRET_WORDS[:10] not in html
        order = f"/dashboard/orders/{seeded.confidential}?t={_token(path)}"
        status, html = await _page(client, order)
        assert SECRET_WORDS[:10] not in html and added[:8] not in html and "再拖要停产" not in html
        if status == 200:
            shown += 1
            assert "企业要求保密" in html and 'id="company">保密' in html
            assert 'data-kind="followed_up"' in html and 'data-kind="chased"' in html
    assert shown == 2  # the district's link and the lead unit's; the other unit's sees none


async def test_the_chart_is_a_png_for_district_links_only(
    client: Client, ctx: ServiceContext, seeded: Seeded
) -> None:
    response = await client.get(
        f"/dashboard/chart.png?t={_token(await path_for(ctx, SUPERVISOR))}&week={WEEK}"
    )
    assert response.status == 200 and response.content_type == "image/png"
    assert (await response.read()).startswith(b"\x89PNG")
    unit = await client.get(f"/dashboard/chart.png?t={_token(await path_for(ctx, POWER_ADMIN))}")
    assert unit.status == 403


async def test_the_dashboard_off_refuses_every_link(ctx: ServiceContext, seeded: Seeded) -> None:
    client = await start(build_app(ctx, load_settings(_env_file=None)))
    try:
        response = await client.get(await path_for(ctx, SUPERVISOR))
        assert response.status == 503 and "未启用" in await response.text()
    finally:
        await client.close()


async def test_a_unit_without_complaints_and_an_unknown_unit(
    client: Client, ctx: ServiceContext, seeded: Seeded
) -> None:
    path = await path_for(ctx, SUPERVISOR)
    status, html = await _page(client, path, unit="区发改委", week=WEEK)
    assert status == 200 and 'id="scope" class="pill">区发改委' in html
    assert '<b id="received">0</b>' in html and "响应率（1分钟内签收）" in html
    assert '<div class="title">response</div>' not in html and '<div class="value">—</div>' in html
    status, html = await _page(client, path, unit="不存在的单位", week=WEEK)
    assert status == 404 and "不存在的单位" in html and "未找到" in html
    # a unit admin naming the own unit by an alias is still at home
    assert ctx.canonical_unit("供电公司") == seeded.power
    status, html = await _page(client, await path_for(ctx, POWER_ADMIN), unit="供电公司")
    assert status == 200 and 'id="scope" class="pill">' + seeded.power in html
