"""The weekly summary (周报): figures per unit and district-wide, the units' ranking, hot
topics, the district's trend, and the weekly push to supervisors.

Owns assembling the report from the database's counts (``ReportQueries``) and writing it as
text and JSON-ready data. The ledger's rows are ``bot.services.ledger``'s; drawing the chart
and writing the spreadsheet are the edge's (``handlers.reports``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from bot.domain.figures import Figure, figures, last_complete_week, parse_week, week_bounds
from bot.domain.ranking import RANKED_TITLES, RankedUnit, RankingRule, load_ranking_rule, rank_units
from bot.domain.records import HotTopic, OutboxMessage, Role, UnitCounts
from bot.errors import InvalidInput
from bot.services.context import ServiceContext

log = logging.getLogger(__name__)

DISTRICT = "全区"


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
        tuple(topics),
        ranking,
        rule,
        now.astimezone(ctx.zone).isoformat(timespec="seconds"),
    )


#: how many weeks the district trend covers (the report's own week last)
TREND_WEEKS = 12


@dataclass(frozen=True, slots=True)
class TrendWeek:
    """The district's figures for one ISO week of a trend."""

    week: str  # 2026-W48
    monday: date  # local
    received: int
    figures: tuple[Figure, ...]


def last_day(report: WeeklyReport) -> date:
    """The report's last local day (its end is the next day's 00:00)."""
    return (datetime.fromisoformat(report.end) - timedelta(microseconds=1)).date()


async def district_trend(
    ctx: ServiceContext, report: WeeklyReport, weeks: int = TREND_WEEKS
) -> tuple[TrendWeek, ...]:
    """District-wide figures for the ``weeks`` ISO weeks that end with the week of the report's
    last day, oldest first, counted as the report is (clocks decided by now)."""
    final = last_day(report)
    monday = final - timedelta(days=final.weekday())
    now = ctx.clock.now()
    trend = []
    async with ctx.uow_factory() as uow:
        for back in range(weeks - 1, -1, -1):
            first = monday - timedelta(weeks=back)
            iso = first.isocalendar()
            start, end = week_bounds(iso.year, iso.week, ctx.zone)
            district = (await uow.reports.unit_counts(start, end, now))[0]
            trend.append(
                TrendWeek(
                    f"{iso.year}-W{iso.week:02d}",
                    first,
                    district.received,
                    tuple(figures(district)),
                )
            )
    return tuple(trend)


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def ranking_lines(report: WeeklyReport) -> list[str]:
    """The ranking as lines of text: position, unit, score and the three rates; a unit scored
    on only some of the rates is starred and the note says so."""
    if not report.ranking:
        return []
    rule = report.ranking_rule
    head = f"单位排名（{rule.source or '综合得分'}：{rule.describe()}）：" if rule else "单位排名："
    lines = [head]
    partial = False
    for r in report.ranking:
        if r.position is None:
            continue
        star = "" if r.complete else "*"
        partial = partial or not r.complete
        rates = "，".join(f"{RANKED_TITLES[k]} {_rate(v)}" for k, v in r.rates.items())
        lines.append(f"{r.position}. {r.unit}{star} {r.score:.1f} 分（{rates}）")
    unranked = [r.unit for r in report.ranking if r.position is None]
    if unranked:
        lines.append(f"未排名（尚无可计分的指标）：{'、'.join(unranked)}")
    if partial:
        lines.append("* 部分指标尚无数据，按已有指标折算得分")
    return lines


def render_text(report: WeeklyReport) -> str:
    keys = [f.key for f in report.units[0].figures] if report.units else []
    titles = [f.title for f in report.units[0].figures] if report.units else []
    lines = [f"偃师区“有诉即办”统计 {report.week}（{report.start[:10]} 起）", ""]
    header = ["单位", "受理", "办结", "超期在办", *titles]
    lines.append(" | ".join(header))
    for unit in report.units:
        shown = {f.key: f.shown() for f in unit.figures}
        row = [
            unit.unit,
            str(unit.counts.received),
            str(unit.counts.resolved),
            str(unit.counts.overdue_open),
            *(shown[k] for k in keys),
        ]
        lines.append(" | ".join(row))
    district = report.units[0] if report.units else None
    if district is not None:
        resolution = next(f for f in district.figures if f.key == "resolution")
        verdict = {True: "达标", False: "未达标", None: "无数据"}[resolution.met]
        lines += ["", f"全区解决率 {resolution.shown()}（目标 90%，{verdict}）"]
    if report.ranking:
        lines += ["", *ranking_lines(report)]
    if report.hot_topics:
        lines += ["", "热点诉求（多家企业反映的同类问题）："]
        lines += [
            f"- {t.sample_text}（{t.complaints} 件，{t.enterprises} 家企业）"
            for t in report.hot_topics
        ]
    return "\n".join(lines)


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
    text = render_text(report)
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
