"""The digest of a sweep pass: the deadlines that ran out (超时) or are about to (即将到期),
one message per person instead of one per deadline.

Owns who reads which orders and in what order. Supervisors read every order, the unit's
officials their unit's, dispatchers those still without a unit; orders are grouped by unit,
the worst unit first (most breaches, then most warnings, then the longest overdue), breaches
before warnings within a unit, the earliest deadline first. A long digest is split into parts
of ``PART_SIZE`` orders, so each message stays within Telegram's 4096 characters and its
keyboard small (two buttons per order: 督办 for those whose role may supervise, 查看). The
messages are written in the sweep's own transaction, with keys naming the pass, so a pass
sends each person its digest once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.confidentiality import Reader, quote
from bot.domain.lifecycle import STATUS_TITLES
from bot.domain.records import Complaint, Official, OutboxMessage, Role, SlaClock
from bot.ports import UnitOfWork
from bot.services.notifications import PUSH_CHANNELS, UNIT_ROLES
from bot.services.roles import card_actions

KIND = "clock_digest"
#: orders per message: 2 buttons each, and ~150 characters each at most
PART_SIZE = 15
#: how much of each complaint a digest quotes
EXCERPT = 40


@dataclass(frozen=True, slots=True)
class Alert:
    """One deadline of the pass: breached now, or warned about."""

    complaint: Complaint
    clock: SlaClock
    breached: bool


def _item(alert: Alert) -> dict[str, Any]:
    c = alert.complaint
    return {
        "number": c.number,
        "unit": c.lead_unit,
        "status_title": STATUS_TITLES[c.status],
        "sla_policy": c.sla_policy,
        "milestone": alert.clock.milestone,
        "due": alert.clock.due_at.isoformat(),
        "breached": alert.breached,
        "text": quote(c.text, confidential=c.confidential, reader=Reader.OFFICIAL, limit=EXCERPT),
    }


def ordered(alerts: Iterable[Alert]) -> list[Alert]:
    """Grouped by unit, the worst unit first; breaches first, then by deadline."""
    by_unit: dict[str | None, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_unit[alert.complaint.lead_unit].append(alert)

    def badness(group: list[Alert]) -> tuple[int, int, datetime]:
        breaches = sum(a.breached for a in group)
        return (-breaches, -(len(group) - breaches), min(a.clock.due_at for a in group))

    result: list[Alert] = []
    for group in sorted(by_unit.values(), key=badness):
        result += sorted(group, key=lambda a: (not a.breached, a.clock.due_at, a.complaint.id))
    return result


def _parts(alerts: Sequence[Alert]) -> list[Sequence[Alert]]:
    return [alerts[i : i + PART_SIZE] for i in range(0, len(alerts), PART_SIZE)]


async def _readers(uow: UnitOfWork, alerts: Sequence[Alert]) -> list[tuple[Official, list[Alert]]]:
    """Each person and the alerts they read (in digest order)."""
    readers: dict[int, tuple[Official, list[Alert]]] = {}

    def add(official: Official, alert: Alert) -> None:
        readers.setdefault(official.telegram_id, (official, []))[1].append(alert)

    supervisors = await uow.officials.with_role(Role.SUPERVISOR)
    dispatchers: list[Official] | None = None
    units: dict[str, list[Official]] = {}
    for alert in alerts:
        for official in supervisors:
            add(official, alert)
        unit = alert.complaint.lead_unit
        if unit is None:  # still without a unit: the dispatchers' to place
            if dispatchers is None:
                dispatchers = await uow.officials.with_role(Role.DISPATCHER)
            for official in dispatchers:
                add(official, alert)
            continue
        if unit not in units:
            units[unit] = await uow.officials.for_unit(unit, UNIT_ROLES)
        for official in units[unit]:
            add(official, alert)
    return list(readers.values())


async def queue_digests(
    uow: UnitOfWork, alerts: Sequence[Alert], pass_key: str, now: datetime
) -> int:
    """Write each reader's digest of ``alerts`` (a pass) to the outbox; returns how many
    messages were stored (parts included)."""
    if not alerts:
        return 0
    messages = []
    for official, mine in await _readers(uow, ordered(alerts)):
        parts = _parts(mine)
        breaches = sum(a.breached for a in mine)
        for index, part in enumerate(parts, start=1):
            payload = {
                "pass": pass_key,
                "part": index,
                "parts": len(parts),
                "breached": breaches,
                "warned": len(mine) - breaches,
                "first": (index - 1) * PART_SIZE + 1,
                "items": [_item(a) for a in part],
                "actions": card_actions(official.role),
            }
            address = str(official.telegram_id)
            messages.append(
                OutboxMessage(
                    KIND,
                    "telegram",
                    address,
                    payload,
                    now,
                    dedupe_key=f"digest:{pass_key}:{index}:telegram:{address}",
                )
            )
    messages = [m for m in messages if m.channel in PUSH_CHANNELS]
    return await uow.outbox.add_many(messages) if messages else 0
