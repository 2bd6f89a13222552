"""Telling the 12345 platform of each change to a complaint it filed: one outbox message per
step of the complaint's history, for a platform whose key has a callback URL.

Owns what a callback says, snapshotted when the change is made (in the same transaction), so
a retried delivery sends the same thing. The HTTP edge (``handlers.http.callbacks``) signs
and posts it; the outbox worker retries it with backoff and records its success, so a
delivered callback is never sent again. The delivery id is the outbox message's id.
"""

from __future__ import annotations

from typing import Any

from bot.domain.history import UNIT_WORDS, Step, said, step
from bot.domain.lifecycle import STATUS_TITLES
from bot.domain.records import Complaint, Event, OutboxMessage
from bot.ports import UnitOfWork

#: the outbox channel of callbacks, and the kind of their messages
CHANNEL = "callback"
KIND = "open311_update"
#: the channel complaints filed by the platform come from (``handlers.http.routes.CHANNEL``)
FILED_CHANNEL = "http"


def _utc(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat()


def step_values(s: Step) -> dict[str, Any]:
    return {
        "event_id": s.event_id,
        "kind": s.kind.value,
        "title": s.title,
        "at": _utc(s.at),
        "said": s.said,
        "unit": s.unit,
        "score": s.score,
        "solved": s.solved,
    }


def request_values(complaint: Complaint, note: Event | None, event: Event) -> dict[str, Any]:
    """The complaint as the platform reads it after ``event``, as plain JSON values (times
    in UTC)."""
    return {
        "number": complaint.number,
        "status": complaint.status.value,
        "open": complaint.status.is_open,
        "status_title": STATUS_TITLES[complaint.status],
        "lead_unit": complaint.lead_unit,
        "measure_id": complaint.measure_id,
        "measure_title": complaint.measure_title,
        "created_at": _utc(complaint.created_at),
        "updated_at": _utc(max(complaint.updated_at, event.at)),
        "ref": complaint.external_ref,
        "note": None if note is None else said(note),
        "note_at": None if note is None else _utc(note.at),
    }


async def queue_for_platform(uow: UnitOfWork, complaint: Complaint, event: Event) -> bool:
    """Queue the callback of ``event`` when the complaint was filed by a platform whose key
    has a callback URL; True when one was queued."""
    if complaint.channel != FILED_CHANNEL or complaint.id is None:
        return False
    shown = step(event, complaint)
    if shown is None:
        return False
    enterprise = await uow.enterprises.get(complaint.enterprise_id)
    if enterprise is None or enterprise.channel != FILED_CHANNEL:
        return False
    platform, _sep, account = enterprise.external_id.partition("/")
    key = await uow.api_keys.active_by_name(platform)
    if key is None or key.callback_url is None:
        return False
    notes = await uow.filed.latest_events([complaint.id], UNIT_WORDS)
    payload = {
        "request": request_values(complaint, notes.get(complaint.id), event),
        "account_id": account or None,
        "step": step_values(shown),
    }
    return await uow.outbox.add(
        OutboxMessage(
            kind=KIND,
            channel=CHANNEL,
            address=platform,
            payload=payload,
            created_at=event.at,
            dedupe_key=f"callback:{platform}:{event.id}",
            complaint_id=complaint.id,
        )
    )
