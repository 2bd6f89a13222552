"""The ledger's rows (台账): one per complaint received in a report's period, with each
deadline, when it was met and whether it was late, and the enterprise's rating.

Owns what a row says, with ``bot.domain.confidentiality``'s rule for it: a confidential
complainant's identity is never put in a row (the enterprise column reads 保密), so no renderer
can leak it.
The complaint's text is not in the ledger at all. Rendering the rows (openpyxl) is the edge's
(``handlers.reports.ledger``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.confidentiality import FILER_WITHHELD, Reader, name_filer
from bot.domain.lifecycle import STATUS_TITLES
from bot.domain.records import Enterprise, OrderRecord
from bot.domain.sla import SlaEngine, UnknownMilestone, UnknownSlaPolicy
from bot.services.context import ServiceContext
from bot.services.reports import WeeklyReport

#: what the enterprise column says for a confidential complaint
CONFIDENTIAL = FILER_WITHHELD
#: clocks no policy defines, and their titles
_EXTRA_MILESTONES = {"assignment": "转办"}
_SOLVED = {True: "已解决", False: "未解决", None: ""}


@dataclass(frozen=True, slots=True)
class LedgerDeadline:
    milestone: str
    due_at: datetime
    met_at: datetime | None
    #: met after it was due, or not met and already due when the report was counted
    late: bool


@dataclass(frozen=True, slots=True)
class LedgerOrder:
    number: str
    received_at: datetime
    enterprise: str  # CONFIDENTIAL for a confidential complaint
    unit: str | None
    measure_id: str | None
    measure_title: str | None
    status: str  # Chinese, e.g. 已办结
    policy: str  # the deadline policy's title, e.g. 一般诉求
    deadlines: tuple[LedgerDeadline, ...]
    score: int | None  # the latest rating, 1..5
    solved: str  # 已解决 / 未解决 / "" (not answered)

    def deadline(self, milestone: str) -> LedgerDeadline | None:
        return next((d for d in self.deadlines if d.milestone == milestone), None)

    @property
    def late(self) -> tuple[str, ...]:
        """The milestones that were late, in the ledger's order."""
        return tuple(d.milestone for d in self.deadlines if d.late)


@dataclass(frozen=True, slots=True)
class Ledger:
    orders: tuple[LedgerOrder, ...]
    #: (milestone, title) of every milestone any order has, in the SLA data's order
    milestones: tuple[tuple[str, str], ...]
    as_of: datetime

    def title(self, milestone: str) -> str:
        return dict(self.milestones).get(milestone, milestone)


def enterprise_name(enterprise: Enterprise, confidential: bool) -> str:
    """Who filed it, as the ledger shows it: never the identity of a confidential filer."""
    name = enterprise.company_name or enterprise.credit_code or str(enterprise.actor)
    return name_filer(name, confidential=confidential, reader=Reader.REPORT)


def _order(record: OrderRecord, as_of: datetime, policy_title: str) -> LedgerOrder:
    complaint, rating = record.complaint, record.rating
    deadlines = tuple(
        LedgerDeadline(
            clock.milestone,
            clock.due_at,
            clock.met_at,
            clock.met_at > clock.due_at if clock.met_at is not None else clock.due_at <= as_of,
        )
        for clock in record.clocks
    )
    return LedgerOrder(
        complaint.number,
        complaint.created_at,
        enterprise_name(record.enterprise, complaint.confidential),
        complaint.lead_unit,
        complaint.measure_id,
        complaint.measure_title,
        STATUS_TITLES[complaint.status],
        policy_title,
        deadlines,
        None if rating is None else rating.score,
        _SOLVED[None if rating is None else rating.solved],
    )


def milestone_order(sla: SlaEngine) -> list[tuple[str, str]]:
    """(name, title) of every milestone the SLA data defines: the response minute, the
    transfer, then each policy's in order (a name several policies share, once)."""
    policies = [sla.policy(name) for name in sla.policy_names()]
    order: dict[str, str] = {}
    for rule in (r for p in policies for r in p.milestones if r.name == "response"):
        order.setdefault(rule.name, rule.title or rule.name)
    for name, title in _EXTRA_MILESTONES.items():
        order.setdefault(name, title)
    for rule in (r for p in policies for r in p.milestones):
        order.setdefault(rule.name, rule.title or rule.name)
    return list(order.items())


def _policy_title(sla: SlaEngine, name: str) -> str:
    try:
        return sla.policy(name).title or name
    except UnknownSlaPolicy:
        return name


def _milestone_title(sla: SlaEngine, policy: str, milestone: str) -> str:
    if milestone in _EXTRA_MILESTONES:
        return _EXTRA_MILESTONES[milestone]
    try:
        return sla.policy(policy).rule(milestone).title or milestone
    except (UnknownSlaPolicy, UnknownMilestone):
        return milestone


async def ledger(ctx: ServiceContext, report: WeeklyReport) -> Ledger:
    """The rows of the report's period, oldest first; lateness as of the report's count."""
    start = datetime.fromisoformat(report.start)
    end = datetime.fromisoformat(report.end)
    as_of = datetime.fromisoformat(report.as_of) if report.as_of else ctx.clock.now()
    async with ctx.uow_factory() as uow:
        records = await uow.reports.orders(start, end)
    titles = {
        name: _policy_title(ctx.sla, name) for name in {r.complaint.sla_policy for r in records}
    }
    orders = tuple(_order(r, as_of, titles[r.complaint.sla_policy]) for r in records)
    known = dict(milestone_order(ctx.sla))
    seen: dict[str, str] = {}
    for record in records:
        for clock in record.clocks:
            seen.setdefault(
                clock.milestone,
                _milestone_title(ctx.sla, record.complaint.sla_policy, clock.milestone),
            )
    ordered = [(name, title) for name, title in known.items() if name in seen]
    ordered += [(name, title) for name, title in seen.items() if name not in known]
    return Ledger(orders, tuple(ordered), as_of)
