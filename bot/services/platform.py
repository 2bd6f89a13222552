"""What the 12345 platform reads of the complaints it filed: a filtered list, one complaint,
and its history (replies, transfers, resolution, rating).

Owns who the platform is to its complaints. A platform is the name of its API key; it filed
every complaint whose filer is ``http:NAME`` or ``http:NAME/ACCOUNT``, so a key sees all of
them, and an ``account_id`` narrows to that account's. Another platform's complaint, or one
filed in chat, is answered as an unknown number is. The platform reads as the filer
(``bot.domain.history``): the unit's replies, its own words, never which official acted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.history import STEP_TITLES, UNIT_WORDS, Step, thread
from bot.domain.lifecycle import ComplaintNotFound
from bot.domain.records import Complaint, Enterprise, Event, SlaClock
from bot.ports import FiledFilter
from bot.services.callbacks import FILED_CHANNEL
from bot.services.context import ServiceContext
from bot.services.steps import load_complaint

#: the most complaints one list answers (Open311: "1000 requests, whichever is smaller")
MAX_LIST = 1000


#: events that change what the filer reads (its history's steps)
CHANGES = tuple(STEP_TITLES)


@dataclass(frozen=True, slots=True)
class Filed:
    complaint: Complaint
    #: the unit's latest words to the filer (a reply, the resolution summary, a void reason)
    note: Event | None
    #: when the filer's view last changed: the complaint saved, or a step recorded
    #: (a supervision or a follow-up changes no column of the complaint)
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class FiledView:
    complaint: Complaint
    note: Event | None
    clocks: tuple[SlaClock, ...]
    steps: tuple[Step, ...]
    changed_at: datetime


def filed_by(enterprise: Enterprise | None, platform: str, account: str | None) -> bool:
    if enterprise is None or enterprise.channel != FILED_CHANNEL:
        return False
    if account is not None:
        return enterprise.external_id == f"{platform}/{account}"
    return enterprise.external_id.partition("/")[0] == platform


async def filed_requests(
    ctx: ServiceContext,
    platform: str,
    account: str | None,
    where: FiledFilter | None = None,
    limit: int = MAX_LIST,
) -> list[Filed]:
    """The platform's complaints (``account``'s only, when given), newest first."""
    where = replace(where or FiledFilter(), changes=CHANGES)
    async with ctx.uow_factory() as uow:
        complaints = await uow.filed.filed_by(
            FILED_CHANNEL, platform, account, where, min(limit, MAX_LIST)
        )
        ids = [c.id for c in complaints if c.id is not None]
        notes = await uow.filed.latest_events(ids, UNIT_WORDS)
        latest = await uow.filed.latest_events(ids, CHANGES)
    found = []
    for c in complaints:
        assert c.id is not None
        step = latest.get(c.id)
        changed = c.updated_at if step is None else max(c.updated_at, step.at)
        found.append(Filed(c, notes.get(c.id), changed))
    return found


async def filed_request(
    ctx: ServiceContext, platform: str, account: str | None, number: str
) -> FiledView:
    """One complaint the platform filed, with its clocks and history; ``ComplaintNotFound``
    for an unknown number and for a complaint someone else filed alike."""
    async with ctx.uow_factory() as uow:
        complaint = await load_complaint(uow, number)
        enterprise = await uow.enterprises.get(complaint.enterprise_id)
        if not filed_by(enterprise, platform, account):
            raise ComplaintNotFound(complaint.number)
        assert complaint.id is not None
        events = await uow.events.for_complaint(complaint.id)
        clocks = await uow.clocks.for_complaint(complaint.id)
    notes = [e for e in events if e.kind in UNIT_WORDS]
    steps = thread(events, complaint)
    changed = max([complaint.updated_at, *(s.at for s in steps)])
    return FiledView(complaint, notes[-1] if notes else None, tuple(clocks), tuple(steps), changed)
