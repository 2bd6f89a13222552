"""``/metrics``: scraped from the real server and parsed with ``prometheus_client``'s own
parser: the database's counts (filed, routed, breached, outbox backlog and failures) and the
request latency histogram."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.domain.records import Actor, Role
from bot.services import intake, outbox_worker, sweeper
from bot.services.context import ServiceContext
from tests.http.test_open311 import LOAN, POWER, REQUESTS, file
from tests.support import FixedClock, add_official

Client = TestClient[web.Request, web.Application]


async def scrape(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def test_metrics_count_orders_outbox_and_requests(
    client: Client, ctx: ServiceContext, clock: FixedClock
) -> None:
    empty = await scrape(client)
    assert empty[("yousu_orders_filed_total", ())] == 0
    assert empty[("yousu_orders_breached_total", ())] == 0

    routed_to = ctx.route(POWER).lead_unit
    assert routed_to is not None
    await add_official(ctx.uow_factory, 900, routed_to, Role.HANDLER)
    await add_official(ctx.uow_factory, 901, None, Role.SUPERVISOR)
    await file(client, description=POWER)
    await file(client, description=LOAN, account_id="b")
    await intake.submit_complaint(ctx, Actor("telegram", "4242"), POWER)  # another channel
    bad = await client.get(REQUESTS, params={"api_key": KEY_NOT_THERE})
    assert bad.status == 403

    clock.advance(days=30)  # every clock of the first complaints has run out
    assert (await sweeper.sweep(ctx, "s")).breached > 0
    # the Telegram messages wait for `yousu run`; one gives up (a blocked chat)
    blocked = Blocked()
    await outbox_worker.deliver_due(ctx, {"telegram": blocked}, "w", batch=1)

    samples = await scrape(client)
    assert samples[("yousu_orders_filed_total", ())] == 3
    routed = samples[("yousu_orders_routed_total", ())]
    assert 1 <= routed <= 3
    assert samples[("yousu_orders_breached_total", ())] == 3
    assert samples[("yousu_outbox_failures_total", (("channel", "telegram"),))] == 1
    backlog = samples[("yousu_outbox_backlog", (("channel", "telegram"),))]
    assert backlog >= 1
    posts = (
        ("method", "POST"),
        ("route", "/open311/v2/requests.{fmt}"),
        ("status", "200"),
    )
    assert samples[("yousu_http_request_duration_seconds_count", posts)] == 2
    refused = (("method", "GET"), ("route", "/open311/v2/requests.{fmt}"), ("status", "403"))
    assert samples[("yousu_http_request_duration_seconds_count", refused)] == 1
    inf = ("le", "+Inf")
    assert (
        samples[("yousu_http_request_duration_seconds_bucket", tuple(sorted((*posts, inf))))] == 2
    )
    assert samples[("yousu_http_request_duration_seconds_sum", posts)] > 0


KEY_NOT_THERE = "not-a-key"


class Blocked:
    channels = frozenset({"telegram"})

    async def deliver(self, message: object) -> None:
        from bot.ports import DeliveryFailed  # noqa: PLC0415

        raise DeliveryFailed("Forbidden: bot was blocked by the user", retryable=False)
