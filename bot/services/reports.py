"""The weekly summary (周报): figures per unit and district-wide, the units' ranking, hot
topics, the district's trend, and the weekly push to supervisors.

Owns assembling the report from the database's counts (``ReportQueries``) and writing it as
text and JSON-ready data. The ledger's rows are ``bot.services.ledger``'s; drawing the chart
and writing the spreadsheet are the edge's (``handlers.reports``). Hot topics quote a sample
complaint as ``bot.domain.confidentiality`` allows reports to.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from bot.domain.confidentiality import Reader, quote
from bot.domain.figures import Figure, figures, last_complete_week, parse_week, week_bounds
from bot.domain.ranking import RankedUnit, RankingRule, load_ranking_rule, rank_units
from bot.domain.records import HotTopic, OutboxMessage, Role, UnitCounts
from bot.errors import InvalidInput
from bot.services.context import ServiceContext
from bot.services.report_text import render_phone

log = logging.getLogger(__name__)

DISTRICT = "全区"
#: how much of a hot topic's sample complaint the report quotes
SAMPLE_EXCERPT = 80


@dataclass(frozen=True, slots=True)
class UnitReport:
    unit: str
    counts: UnitCounts
    figures: tuple[Figure, ...]


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    week: str
    start: str
    end: str
    units: tuple[UnitReport, ...]  # district-wide first
    hot_topics: tuple[HotTopic, ...]
    #: the units (not the district) ranked by ``ranking_rule``, best first, unranked last
    ranking: tuple[RankedUnit, ...] = ()
    ranking_rule: RankingRule | None = None
    #: when the figures were counted (a clock still running in time is not counted yet)
    as_of: str = ""

    @property
    def first_day(self) -> date:
        return datetime.fromisoformat(self.start).date()

    @property
    def last_day(self) -> date:
        """The last local day (the period ends at the next day's 00:00)."""
        return (datetime.fromisoformat(self.end) - timedelta(microseconds=1)).date()

    def as_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "start": self.start,
            "end": self.end,
            "as_of": self.as_of,
            "units": [
                {
                    "unit": u.unit,
                    "received": u.counts.received,
                    "resolved": u.counts.resolved,
                    "overdue_open": u.counts.overdue_open,
                    "breaches": u.counts.breaches,
                    "figures": {
                        f.key: {
                            "numerator": f.numerator,
                            "denominator": f.denominator,
                            "rate": f.rate,
                            "target": f.target,
                            "met": f.met,
                        }
                        for f in u.figures
                    },
                }
                for u in self.units
            ],
            "hot_topics": [
                {
                    "topic": t.topic_key,
                    "complaints": t.complaints,
                    "enterprises": t.enterprises,
                    "sample": t.sample_text,
                    "measure_id": t.measure_id,
                }
                for t in self.hot_topics
            ],
            "ranking": {
                "weights": dict(self.ranking_rule.weights) if self.ranking_rule else {},
                "source": self.ranking_rule.source if self.ranking_rule else "",
                "units": [
                    {
                        "position": r.position,
                        "unit": r.unit,
                        "score": None if r.score is None else round(r.score, 2),
                        "received": r.received,
                        "rates": dict(r.rates),
                        "basis": list(r.basis),
                        "complete": r.complete,
                    }
                    for r in self.ranking
                ],
            },
        }


async def weekly_report(ctx: ServiceContext, week: str | None = None) -> WeeklyReport:
    """One ISO week's figures; by default the last complete week on the service's clock."""
    if week is None:
        year, number = last_complete_week(ctx.clock.now(), ctx.zone)
    else:
        year, number = parse_week(week)
    start, end = week_bounds(year, number, ctx.zone)
    return await _report(ctx, f"{year}-W{number:02d}", start, end)


def current_week_label(ctx: ServiceContext) -> str:
    """The ISO week the service's clock is in (``2026-W48``)."""
    iso = ctx.clock.now().astimezone(ctx.zone).date().isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


async def period_report(ctx: ServiceContext, first: date, last: date) -> WeeklyReport:
    """Figures for any run of days, ``first`` to ``last`` inclusive (local dates)."""
    if last < first:
        raise InvalidInput(
            f"结束日期 {last} 早于开始日期 {first}", f"end date {last} is before start {first}"
        )
    start = datetime.combine(first, time(0), ctx.zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), ctx.zone).astimezone(UTC)
    return await _report(ctx, f"{first.isoformat()}~{last.isoformat()}", start, end)


async def _report(ctx: ServiceContext, label: str, start: datetime, end: datetime) -> WeeklyReport:
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        counts = await uow.reports.unit_counts(start, end, now)
        topics = await uow.reports.hot_topics(start, end)
    units = tuple(UnitReport(c.unit or DISTRICT, c, tuple(figures(c))) for c in counts)
    rule = load_ranking_rule()
    ranking = rank_units(
        ((u.unit, u.counts.received, u.figures) for u in units if u.counts.unit is not None), rule
    )
    return WeeklyReport(
        label,
        start.astimezone(ctx.zone).isoformat(),
        end.astimezone(ctx.zone).isoformat(),
        units,
        tuple(_shown(t) for t in topics),
        ranking,
        rule,
        now.astimezone(ctx.zone).isoformat(timespec="seconds"),
    )


def _shown(topic: HotTopic) -> HotTopic:
    """A hot topic as every form of the report shows it (text, JSON, the ledger's sheet, the
    weekly push): its sample quoted as ``bot.domain.confidentiality`` lets reports quote."""
    sample = quote(
        topic.sample_text,
        confidential=topic.sample_confidential,
        reader=Reader.REPORT,
        limit=SAMPLE_EXCERPT,
    )
    return replace(topic, sample_text=sample)


#: how many weeks the district trend covers (the report's own week last)
TREND_WEEKS = 12
#: how many of the trend's weeks are counted at once (three reads each: within the pool)
TREND_CONCURRENCY = 3


@dataclass(frozen=True, slots=True)
class TrendWeek:
    """The district's figures for one ISO week of a trend."""

    week: str  # 2026-W48
    monday: date  # local
    received: int
    figures: tuple[Figure, ...]


async def district_trend(
    ctx: ServiceContext, report: WeeklyReport, weeks: int = TREND_WEEKS, unit: str | None = None
) -> tuple[TrendWeek, ...]:
    """District-wide figures (or ``unit``'s) for the ``weeks`` ISO weeks that end with the week
    of the report's last day, oldest first, counted as the report is (clocks decided by now)."""
    final = report.last_day
    monday = final - timedelta(days=final.weekday())
    now = ctx.clock.now()
    mondays = [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    # the weeks are counted together (each on connections of its own, see ReportQueries),
    # a few at a time: the database does the work, the waits overlap
    gate = asyncio.Semaphore(TREND_CONCURRENCY)
    async with ctx.uow_factory() as uow:

        async def week_of(first: date) -> TrendWeek:
            iso = first.isocalendar()
            start, end = week_bounds(iso.year, iso.week, ctx.zone)
            async with gate:
                counts = await uow.reports.unit_counts(start, end, now)
            chosen = next((c for c in counts if c.unit == unit), UnitCounts(unit=unit))
            return TrendWeek(
                f"{iso.year}-W{iso.week:02d}", first, chosen.received, tuple(figures(chosen))
            )

        trend = await asyncio.gather(*(week_of(first) for first in mondays))
    return tuple(trend)


# --- the weekly summary for supervisors ---------------------------------------------------------

#: when last week's summary goes out: Monday at service opening (local time)
SUMMARY_AT = time(8, 30)
#: how often the bot process checks whether the summary is due
SUMMARY_CHECK_SECONDS = 600.0


def summary_due(now: datetime, zone: tzinfo) -> bool:
    """Last week's summary is due from Monday 08:30 on (and stays due all week: queuing it
    again is harmless, so a process started on Wednesday still sends it)."""
    local = now.astimezone(zone)
    return local.weekday() > 0 or local.time() >= SUMMARY_AT


async def send_weekly_summary(ctx: ServiceContext, week: str | None = None) -> int:
    """Queue a week's summary (default: the last complete week) for every active supervisor
    and admin; once per week and person (dedupe keys). Returns how many were queued now."""
    if week is None:
        year, number = last_complete_week(ctx.clock.now(), ctx.zone)
        week = f"{year}-W{number:02d}"
    report = await weekly_report(ctx, week)
    text = render_phone(report)
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        people = [
            *await uow.officials.with_role(Role.SUPERVISOR),
            *await uow.officials.with_role(Role.ADMIN),
        ]
        messages = [
            OutboxMessage(
                kind="weekly_summary",
                channel="telegram",
                address=str(official.telegram_id),
                payload={"week": report.week, "text": text},
                created_at=now,
                dedupe_key=f"weekly:{report.week}:telegram:{official.telegram_id}",
            )
            for official in people
        ]
        queued = await uow.outbox.add_many(messages) if messages else 0
        await uow.commit()
    return queued


async def run_weekly_summaries(
    ctx: ServiceContext, interval: float = SUMMARY_CHECK_SECONDS
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
                queued = await send_weekly_summary(ctx, week)
                done = week
                if queued:
                    log.info("weekly summary %s queued for %d officials", week, queued)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("weekly summary failed; retrying in %.0f s", interval)
        await asyncio.sleep(interval)
