"""``/metrics`` in Prometheus' text format (``prometheus_client``).

Two kinds of figures: this process's HTTP requests (a latency histogram by route, method and
status, measured by a middleware), and the database's counts read at each scrape
(``bot.services.metrics``): complaints filed, routed to a unit and with a breached clock, and
the outbox's pending, retrying and given-up messages per channel. Each app has its own
registry, so several apps in one process (tests) do not collide.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from bot.ports import OperationalCounts
from bot.services import metrics as metrics_service
from bot.services.context import ServiceContext
from handlers.http.routes import SERVICES

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: request latencies worth telling apart: a read is milliseconds, filing a complaint tens
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DatabaseCounts(Collector):
    """Yields the counts of the last read (``refresh`` before each scrape)."""

    def __init__(self) -> None:
        self.counts: OperationalCounts | None = None

    async def refresh(self, services: ServiceContext) -> None:
        self.counts = await metrics_service.operational_counts(services)

    def collect(self) -> Iterator[Metric]:
        counts = self.counts
        if counts is None:
            return
        yield CounterMetricFamily(
            "yousu_orders_filed", "Complaints (work orders) filed, all channels", counts.filed
        )
        yield CounterMetricFamily(
            "yousu_orders_routed", "Complaints assigned to a lead unit", counts.routed
        )
        yield CounterMetricFamily(
            "yousu_orders_breached",
            "Complaints with at least one breached deadline",
            counts.breached,
        )
        backlog = GaugeMetricFamily(
            "yousu_outbox_backlog", "Outgoing messages not sent yet", labels=["channel"]
        )
        retrying = GaugeMetricFamily(
            "yousu_outbox_retrying", "Pending messages that failed before", labels=["channel"]
        )
        failures = CounterMetricFamily(
            "yousu_outbox_failures", "Messages given up after failing", labels=["channel"]
        )
        for metric, values in (
            (backlog, counts.outbox_pending),
            (retrying, counts.outbox_retrying),
            (failures, counts.outbox_failed),
        ):
            for channel, value in sorted(values.items()):
                metric.add_metric([channel], value)
            yield metric


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.latency = Histogram(
            "yousu_http_request_duration_seconds",
            "HTTP request latency by route, method and status",
            ["route", "method", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.database = DatabaseCounts()
        self.registry.register(self.database)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else "unmatched"
            self.latency.labels(route, request.method, str(status)).observe(
                time.perf_counter() - started
            )

    async def scrape(self, services: ServiceContext) -> bytes:
        await self.database.refresh(services)
        return generate_latest(self.registry)


METRICS = web.AppKey("metrics", Metrics)


async def metrics(request: web.Request) -> web.Response:
    body = await request.app[METRICS].scrape(request.app[SERVICES])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
