"""A report built by hand for the renderers' tests: every unit of the registry with made-up
counts (reproducible), ranked as the service ranks them, and a 12-week trend."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bot.domain.figures import figures
from bot.domain.ranking import load_ranking_rule, rank_units
from bot.domain.records import HotTopic, UnitCounts
from bot.services.reports import TrendWeek, UnitReport, WeeklyReport
from knowledge.base import load_knowledge_base


def _counts(unit: str | None, rng: random.Random, received: int) -> UnitCounts:
    def part(total: int, share: float) -> int:
        return min(total, round(total * share))

    decided = received
    resolved = part(received, rng.uniform(0.3, 0.9))
    ratings = part(resolved, rng.uniform(0.2, 1.0))
    answered = part(resolved, rng.uniform(0.5, 1.0))
    return UnitCounts(
        unit=unit,
        received=received,
        response_total=decided,
        response_met=part(decided, rng.uniform(0.6, 1.0)),
        reply_total=decided,
        reply_on_time=part(decided, rng.uniform(0.7, 1.0)),
        transfer_total=decided,
        transfer_on_time=part(decided, rng.uniform(0.8, 1.0)),
        resolved=resolved,
        answered_resolved=answered,
        confirmed_resolved=part(answered, rng.uniform(0.7, 1.0)),
        ratings=ratings,
        satisfied=part(ratings, rng.uniform(0.5, 1.0)),
        overdue_open=rng.randrange(3),
        breaches=rng.randrange(5),
    )


def sample_report(units: int | None = None, seed: int = 7) -> WeeklyReport:
    """Week 2026-W48 with ``units`` units of the registry (all by default); the last unit has
    nothing decided yet (all rates "—")."""
    rng = random.Random(seed)
    names = [u.name for u in load_knowledge_base().units.all_units()][:units]
    per_unit = [_counts(name, rng, rng.randrange(1, 40)) for name in names]
    if per_unit:
        per_unit[-1] = UnitCounts(unit=names[-1], received=1)
    district = UnitCounts(unit=None)
    for c in per_unit:
        for field in ("received", "response_total", "response_met", "reply_total"):
            setattr(district, field, getattr(district, field) + getattr(c, field))
        for field in (
            "reply_on_time",
            "resolved",
            "confirmed_resolved",
            "answered_resolved",
            "ratings",
            "satisfied",
        ):
            setattr(district, field, getattr(district, field) + getattr(c, field))
    rows = tuple(UnitReport(c.unit or "全区", c, tuple(figures(c))) for c in [district, *per_unit])
    rule = load_ranking_rule()
    ranking = rank_units(((u.unit, u.counts.received, u.figures) for u in rows[1:]), rule)
    topics = (
        HotTopic("t1", 5, 4, "申请用电增容快两个月了，供电那边一直没给方案", "2023-12"),
        HotTopic("t2", 3, 3, "银行突然抽贷，资金链要断了", "2023-34"),
    )
    return WeeklyReport(
        "2026-W48",
        "2026-11-23T00:00:00+08:00",
        "2026-11-30T00:00:00+08:00",
        rows,
        topics,
        ranking,
        rule,
        "2026-11-30T08:30:00+08:00",
    )


def sample_trend(weeks: int = 12, seed: int = 3) -> tuple[TrendWeek, ...]:
    rng = random.Random(seed)
    last = date(2026, 11, 23)
    trend = []
    for back in range(weeks - 1, -1, -1):
        monday = last - timedelta(weeks=back)
        iso = monday.isocalendar()
        counts = _counts(None, rng, rng.randrange(0, 60) if back != 5 else 0)
        trend.append(
            TrendWeek(
                f"{iso.year}-W{iso.week:02d}", monday, counts.received, tuple(figures(counts))
            )
        )
    return tuple(trend)
