"""Weekly figures in SQL: the ``ReportQueries`` port.

Owns the aggregate queries behind ``yousu report weekly``, and the rows of its ledger (台账).
Everything is counted in the database with GROUP BY and CASE (a few queries per report,
whatever the number of complaints); Python only folds the small per-unit result sets into
``UnitCounts``. The cohort is the complaints received in ``[start, end)``; see ``UnitCounts``
for each figure's definition. The ledger reads the cohort's rows in four queries (complaints,
clocks, latest ratings, enterprises), whatever their number.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.records import (
    NOT_COUNTED,
    HotTopic,
    OrderRecord,
    OverdueOrder,
    Rating,
    Status,
    UnitCounts,
)
from db.engine import READ_ONLY
from db.models import ComplaintRow, EnterpriseRow, RatingRow, SlaClockRow
from db.repositories import _clock, _complaint, _enterprise

REPLY_MILESTONES = ("first_reply", "contact", "notice")
FINANCING_MILESTONES = ("contact", "feedback", "approval")
_RESOLVED = (Status.RESOLVED.value, Status.CLOSED.value)
_OPEN = [s.value for s in Status if s.is_open]

#: repeats, withdrawn and void complaints are left out of every figure
_NOT_COUNTED = [s.value for s in NOT_COUNTED]


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


class SqlReportQueries:
    """Reads on connections of their own, concurrently, outside the use case's transaction:
    on SQLite they begin DEFERRED (``read_only`` in ``db.engine``), so a long report never
    holds the write lock that intake needs."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _read(self, statement: Any) -> list[Any]:
        engine = self._session.bind
        assert isinstance(engine, AsyncEngine)
        async with engine.connect() as connection:
            reader = await connection.execution_options(**READ_ONLY)
            return list((await reader.execute(statement)).all())

    async def unit_counts(
        self, start: datetime, end: datetime, as_of: datetime
    ) -> list[UnitCounts]:
        cohort = and_(ComplaintRow.created_at >= start, ComplaintRow.created_at < end)
        counts: dict[str | None, UnitCounts] = {}

        def of(unit: str | None) -> UnitCounts:
            return counts.setdefault(unit, UnitCounts(unit=unit))

        # the week's complaints, computed once: the planners then drive every join from
        # this small set instead of scanning a unit index over the whole table
        week = (
            select(
                ComplaintRow.id,
                ComplaintRow.lead_unit,
                ComplaintRow.status,
                ComplaintRow.sla_policy,
            )
            .where(cohort, ComplaintRow.status.not_in(_NOT_COUNTED))
            .cte("week")
            .prefix_with("MATERIALIZED")
        )
        # the latest rating of each complaint (a reopened complaint can be rated again),
        # looked up per complaint through the ratings' complaint index
        earlier = aliased(RatingRow)
        rating = RatingRow
        latest = and_(
            RatingRow.complaint_id == week.c.id,
            RatingRow.id
            == select(func.max(earlier.id))
            .where(earlier.complaint_id == week.c.id)
            .scalar_subquery(),
        )
        resolved = week.c.status.in_(_RESOLVED)
        complaints = (
            select(
                week.c.lead_unit,
                func.count(),
                _count_if(resolved),
                _count_if(
                    and_(
                        resolved,
                        func.coalesce(rating.solved, rating.score >= 3) == True,  # noqa: E712
                    )
                ),
                func.count(rating.id),
                _count_if(rating.score >= 4),
                _count_if(and_(resolved, rating.id.is_not(None))),
            )
            .select_from(week)
            .outerjoin(rating, latest)
            .group_by(week.c.lead_unit)
        )
        met_on_time = and_(
            SlaClockRow.met_at.is_not(None), SlaClockRow.met_at <= SlaClockRow.due_at
        )
        clocks = (
            select(
                week.c.lead_unit,
                week.c.sla_policy,
                SlaClockRow.milestone,
                func.count(),
                _count_if(met_on_time),
                _count_if(SlaClockRow.breached_at.is_not(None)),
            )
            .select_from(week)
            .join(SlaClockRow, SlaClockRow.complaint_id == week.c.id)
            .where(
                # decided: met, or past due; a clock still running in time is not counted yet
                or_(SlaClockRow.met_at.is_not(None), SlaClockRow.due_at <= as_of),
            )
            .group_by(week.c.lead_unit, week.c.sla_policy, SlaClockRow.milestone)
        )
        # open at the end of the period with a clock breached by then and not met by then:
        # still running now (partial index ix_sla_clocks_overdue), or met only after the end
        # (partial index ix_sla_clocks_breached_met), so a past week's stock is what it was
        breached_by_end = and_(SlaClockRow.breached_at.is_not(None), SlaClockRow.breached_at < end)
        overdue_clocks = union(
            select(SlaClockRow.complaint_id).where(breached_by_end, SlaClockRow.met_at.is_(None)),
            select(SlaClockRow.complaint_id).where(
                breached_by_end, SlaClockRow.met_at.is_not(None), SlaClockRow.met_at >= end
            ),
        ).subquery()
        overdue = (
            select(ComplaintRow.lead_unit, func.count())
            .select_from(overdue_clocks)
            .join(ComplaintRow, ComplaintRow.id == overdue_clocks.c.complaint_id)
            .where(
                ComplaintRow.created_at < end,
                ComplaintRow.status.not_in(_NOT_COUNTED),
                or_(ComplaintRow.closed_at.is_(None), ComplaintRow.closed_at >= end),
            )
            .group_by(ComplaintRow.lead_unit)
        )
        complaint_rows, clock_rows, overdue_rows = await asyncio.gather(
            self._read(complaints), self._read(clocks), self._read(overdue)
        )
        for unit, received, n_resolved, confirmed, ratings, satisfied, answered in complaint_rows:
            for target in (of(None), of(unit)) if unit is not None else (of(None),):
                target.answered_resolved += int(answered or 0)
                target.received += received
                target.resolved += int(n_resolved or 0)
                target.confirmed_resolved += int(confirmed or 0)
                target.ratings += ratings
                target.satisfied += int(satisfied or 0)

        for unit, policy, milestone, total, met_sum, breached_sum in clock_rows:
            met, breached = int(met_sum or 0), int(breached_sum or 0)
            for target in (of(None), of(unit)) if unit is not None else (of(None),):
                target.breaches += breached
                if milestone == "response":
                    target.response_total += total
                    target.response_met += met
                elif milestone == "assignment":
                    target.transfer_total += total
                    target.transfer_on_time += met
                if milestone in REPLY_MILESTONES and (policy != "1330" or milestone == "contact"):
                    target.reply_total += total
                    target.reply_on_time += met
                if policy == "1330" and milestone in FINANCING_MILESTONES:
                    due, on_time = target.financing.get(milestone, (0, 0))
                    target.financing[milestone] = (due + total, on_time + met)

        for unit, number in overdue_rows:
            for target in (of(None), of(unit)) if unit is not None else (of(None),):
                target.overdue_open += number

        district = of(None)
        units = sorted((c for u, c in counts.items() if u is not None), key=lambda c: c.unit or "")
        return [district, *units]

    async def hot_topics(self, start: datetime, end: datetime, min_size: int = 2) -> list[HotTopic]:
        groups = (
            select(
                ComplaintRow.topic_key,
                func.count().label("n"),
                func.count(distinct(ComplaintRow.enterprise_id)).label("enterprises"),
                # the sample: the first complaint that is not confidential, else the first
                func.coalesce(
                    func.min(case((ComplaintRow.confidential.is_(False), ComplaintRow.id))),
                    func.min(ComplaintRow.id),
                ).label("first_id"),
            )
            .where(
                ComplaintRow.created_at >= start,
                ComplaintRow.created_at < end,
                ComplaintRow.topic_key.is_not(None),
                # a repeat still shows how many raise it; a withdrawn or void one does not
                ComplaintRow.status.not_in([Status.WITHDRAWN.value, Status.VOID.value]),
            )
            .group_by(ComplaintRow.topic_key)
            .having(func.count(distinct(ComplaintRow.enterprise_id)) >= min_size)
            .subquery()
        )
        rows = await self._read(
            select(
                groups.c.topic_key,
                groups.c.n,
                groups.c.enterprises,
                ComplaintRow.text,
                ComplaintRow.measure_id,
                ComplaintRow.confidential,
                ComplaintRow.lead_unit,
            )
            .join(ComplaintRow, ComplaintRow.id == groups.c.first_id)
            .order_by(groups.c.n.desc(), groups.c.topic_key)
        )
        return [
            HotTopic(key, n, enterprises, text, measure, bool(confidential), unit)
            for key, n, enterprises, text, measure, confidential, unit in rows
        ]

    async def orders(self, start: datetime, end: datetime) -> list[OrderRecord]:
        cohort = (
            select(ComplaintRow.id)
            .where(
                ComplaintRow.created_at >= start,
                ComplaintRow.created_at < end,
                ComplaintRow.status.not_in(_NOT_COUNTED),
            )
            .subquery()
        )
        complaints = (
            select(*ComplaintRow.__table__.columns)
            .join(cohort, cohort.c.id == ComplaintRow.id)
            .order_by(ComplaintRow.created_at, ComplaintRow.id)
        )
        clocks = (
            select(*SlaClockRow.__table__.columns)
            .join(cohort, cohort.c.id == SlaClockRow.complaint_id)
            .order_by(SlaClockRow.complaint_id, SlaClockRow.id)
        )
        latest = (
            select(func.max(RatingRow.id).label("id"))
            .join(cohort, cohort.c.id == RatingRow.complaint_id)
            .group_by(RatingRow.complaint_id)
            .subquery()
        )
        ratings = select(*RatingRow.__table__.columns).join(latest, latest.c.id == RatingRow.id)
        enterprises = select(*EnterpriseRow.__table__.columns).where(
            EnterpriseRow.id.in_(
                select(ComplaintRow.enterprise_id).join(cohort, cohort.c.id == ComplaintRow.id)
            )
        )
        complaint_rows, clock_rows, rating_rows, enterprise_rows = await asyncio.gather(
            self._read(complaints),
            self._read(clocks),
            self._read(ratings),
            self._read(enterprises),
        )
        by_complaint: dict[int, list[Any]] = {}
        for row in clock_rows:
            by_complaint.setdefault(row.complaint_id, []).append(_clock(row))
        rated = {
            r.complaint_id: Rating(r.complaint_id, r.score, r.at, r.comment, r.solved, r.id)
            for r in rating_rows
        }
        firms = {row.id: _enterprise(row) for row in enterprise_rows}
        return [
            OrderRecord(
                complaint,
                firms[complaint.enterprise_id],
                tuple(by_complaint.get(row.id, ())),
                rated.get(row.id),
            )
            for row in complaint_rows
            for complaint in (_complaint(row),)
        ]

    async def overdue(
        self, as_of: datetime, unit: str | None = None, limit: int = 100
    ) -> tuple[int, list[OverdueOrder]]:
        late = and_(
            SlaClockRow.met_at.is_(None),
            or_(SlaClockRow.breached_at.is_not(None), SlaClockRow.due_at <= as_of),
        )
        where = [late, ComplaintRow.status.in_(_OPEN)]
        if unit is not None:
            where.append(ComplaintRow.lead_unit == unit)
        first_due = func.min(SlaClockRow.due_at).label("first_due")
        grouped = (
            select(ComplaintRow.id, first_due)
            .join(SlaClockRow, SlaClockRow.complaint_id == ComplaintRow.id)
            .where(*where)
            .group_by(ComplaintRow.id)
        )
        inner = grouped.subquery()
        total_rows, page_rows = await asyncio.gather(
            self._read(select(func.count()).select_from(inner)),
            self._read(select(inner.c.id).order_by(inner.c.first_due, inner.c.id).limit(limit)),
        )
        ids = [row.id for row in page_rows]
        if not ids:
            return int(total_rows[0][0]), []
        complaint_rows, clock_rows = await asyncio.gather(
            self._read(select(*ComplaintRow.__table__.columns).where(ComplaintRow.id.in_(ids))),
            self._read(
                select(*SlaClockRow.__table__.columns)
                .where(SlaClockRow.complaint_id.in_(ids), late)
                .order_by(SlaClockRow.due_at, SlaClockRow.id)
            ),
        )
        complaints = {row.id: _complaint(row) for row in complaint_rows}
        clocks: dict[int, list[Any]] = {}
        for row in clock_rows:
            clocks.setdefault(row.complaint_id, []).append(_clock(row))
        orders = [OverdueOrder(complaints[i], tuple(clocks.get(i, ()))) for i in ids]
        return int(total_rows[0][0]), orders
