"""The weekly summary (周报): figures per unit and district-wide, the units' ranking, hot
topics, the district's (or a unit's) trend, one unit's view of it, and this week so far. The
weekly push is ``bot.services.weekly_push``.

Owns assembling the report from the database's counts (``ReportQueries``) and writing it as
text and JSON-ready data. The ledger's rows are ``bot.services.ledger``'s; drawing the chart
and writing the spreadsheet are the edge's (``handlers.reports``). Hot topics quote a sample
complaint as ``bot.domain.confidentiality`` allows reports to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from bot.domain.confidentiality import Reader, quote
from bot.domain.figures import Figure, figures, last_complete_week, parse_week, week_bounds
from bot.domain.ranking import RankedUnit, RankingRule, load_ranking_rule, rank_units
from bot.domain.records import HotTopic, UnitCounts
from bot.errors import InvalidInput
from bot.services.context import ServiceContext

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
    """District-wide (or ``unit``'s) figures for the ``weeks`` ISO weeks that end with the
    week of the report's last day, oldest first, counted as the report is (clocks decided by
    now)."""
    return (await trends(ctx, report, [unit], weeks))[unit]


async def trends(
    ctx: ServiceContext,
    report: WeeklyReport,
    units: Sequence[str | None],
    weeks: int = TREND_WEEKS,
) -> dict[str | None, tuple[TrendWeek, ...]]:
    """``district_trend`` for several units (None: the district) at once: each week is
    counted once for all of them."""
    final = report.last_day
    monday = final - timedelta(days=final.weekday())
    now = ctx.clock.now()
    mondays = [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    # the weeks are counted together (each on connections of its own, see ReportQueries),
    # a few at a time: the database does the work, the waits overlap
    gate = asyncio.Semaphore(TREND_CONCURRENCY)
    async with ctx.uow_factory() as uow:

        async def week_of(first: date) -> dict[str | None, UnitCounts]:
            iso = first.isocalendar()
            start, end = week_bounds(iso.year, iso.week, ctx.zone)
            async with gate:
                return {c.unit: c for c in await uow.reports.unit_counts(start, end, now)}

        counted = await asyncio.gather(*(week_of(first) for first in mondays))
    found: dict[str | None, tuple[TrendWeek, ...]] = {}
    for unit in units:
        rows = []
        for first, by_unit in zip(mondays, counted, strict=True):
            iso = first.isocalendar()
            counts = by_unit.get(unit) or UnitCounts(unit)
            rows.append(
                TrendWeek(
                    f"{iso.year}-W{iso.week:02d}", first, counts.received, tuple(figures(counts))
                )
            )
        found[unit] = tuple(rows)
    return found


# --- one unit's view ------------------------------------------------------------------------------


def unit_view(report: WeeklyReport, unit: str) -> WeeklyReport:
    """The report as one unit's officials see it: the district's row and their own (empty
    when the unit received nothing), their place in the district's ranking, the hot topics."""
    own = next((u for u in report.units if u.unit == unit and u.counts.unit is not None), None)
    if own is None:
        counts = UnitCounts(unit)
        own = UnitReport(unit, counts, tuple(figures(counts)))
    district = tuple(u for u in report.units if u.counts.unit is None)
    ranked = tuple(r for r in report.ranking if r.unit == unit)
    return replace(report, units=(*district, own), ranking=ranked)


def is_empty(report: WeeklyReport, unit: str | None = None) -> bool:
    """Nothing to tell: no complaint received in the period and none of them overdue (the
    district's, or ``unit``'s)."""
    counts = next((u.counts for u in report.units if u.counts.unit == unit), UnitCounts(unit))
    return counts.received == 0 and counts.overdue_open == 0


def week_so_far_bounds(now: datetime, zone: tzinfo) -> tuple[date, date]:
    """This ISO week's Monday and today (local dates)."""
    today = now.astimezone(zone).date()
    return today - timedelta(days=today.weekday()), today


async def week_so_far(ctx: ServiceContext) -> WeeklyReport:
    """/stats: this week from Monday to now."""
    first, last = week_so_far_bounds(ctx.clock.now(), ctx.zone)
    return await period_report(ctx, first, last)
