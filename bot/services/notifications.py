"""Outgoing messages, written to the outbox inside the use case's unit of work.

Owns who is told what: the lead unit's officials (handlers and unit admins), co-units'
officials, dispatchers, supervisors and the enterprise. A message is stored only for channels
that can push (Telegram); a complaint filed over HTTP is followed by polling the API. Payloads
are plain JSON values; the Telegram layer turns them into Chinese text and buttons. Dedupe keys
make a repeated call harmless. What a message may quote of a confidential complaint is
``bot.domain.confidentiality``'s rule: every message is built by ``complaint_payload``, and the
enterprise's own words travel as ``said``, never as free-form extras.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from bot.domain.confidentiality import Reader, may_quote, quote
from bot.domain.lifecycle import STATUS_TITLES
from bot.domain.records import Complaint, Official, OutboxMessage, Role
from bot.ports import EnterpriseRepository, OfficialRepository
from bot.services.roles import card_actions


class MessageSink(Protocol):
    async def add_many(self, messages: Sequence[OutboxMessage]) -> int: ...


class Audience(Protocol):
    """What telling people needs: who they are, and where messages go. A unit of work is
    one; intake passes one that holds the messages back to store a whole batch at once."""

    @property
    def officials(self) -> OfficialRepository: ...

    @property
    def enterprises(self) -> EnterpriseRepository: ...

    @property
    def outbox(self) -> MessageSink: ...


#: channels whose recipients can be sent messages (others poll)
PUSH_CHANNELS = frozenset({"telegram"})
UNIT_ROLES = (Role.HANDLER, Role.UNIT_ADMIN)
#: how much of the complaint a message quotes
EXCERPT = 120
#: how much of the enterprise's other words (a follow-up, a reason) it quotes: as much as a
#: note may hold (``bot.services.steps.MAX_NOTE``), so they arrive whole
SAID_EXCERPT = 2000

#: the enterprise's own words a message carries beside the complaint (payload key -> words);
#: they pass the confidentiality rule like the complaint's text. Words written by officials
#: go in ``extra`` instead.
Said = Mapping[str, str]


def complaint_payload(
    complaint: Complaint, reader: Reader, said: Said | None = None, **extra: Any
) -> dict[str, Any]:
    """What a message to ``reader`` says about the complaint. The enterprise's words, the
    complaint's text and ``said``, are quoted as ``bot.domain.confidentiality`` allows."""
    confidential = complaint.confidential
    words = {
        key: quote(value, confidential=confidential, reader=reader, limit=SAID_EXCERPT)
        for key, value in (said or {}).items()
    }
    return {
        "number": complaint.number,
        "status": complaint.status.value,
        "status_title": STATUS_TITLES[complaint.status],
        "lead_unit": complaint.lead_unit,
        "measure_id": complaint.measure_id,
        "measure_title": complaint.measure_title,
        "sla_policy": complaint.sla_policy,
        "text": quote(complaint.text, confidential=confidential, reader=reader, limit=EXCERPT),
        # photos and files the enterprise sent are its words too
        "attachments": list(complaint.attachments)
        if may_quote(confidential=confidential, reader=reader)
        else [],
        **extra,
        **words,
    }


#: (channel, address) and what the message to that one person adds to the payload
Recipient = tuple[str, str, Mapping[str, Any]]


async def _send(
    uow: Audience,
    complaint: Complaint,
    kind: str,
    recipients: Iterable[Recipient],
    payload: dict[str, Any],
    key: str,
) -> int:
    unique = {(channel, address): own for channel, address, own in recipients}
    messages = [
        OutboxMessage(
            kind=kind,
            channel=channel,
            address=address,
            payload={**payload, **own} if own else payload,
            created_at=complaint.updated_at,
            dedupe_key=f"{complaint.number}:{kind}:{key}:{channel}:{address}",
            complaint_id=complaint.id,
        )
        for (channel, address), own in unique.items()
        if channel in PUSH_CHANNELS
    ]
    return await uow.outbox.add_many(messages) if messages else 0


def _officials(officials: Iterable[Official]) -> list[Recipient]:
    """Officials as recipients; each message says which of its buttons the person's role
    may press (``bot.services.roles``), so no channel offers what the role may not do."""
    return [("telegram", str(o.telegram_id), {"actions": card_actions(o.role)}) for o in officials]


async def notify_unit(
    uow: Audience,
    complaint: Complaint,
    kind: str,
    key: str,
    unit: str | None = None,
    said: Said | None = None,
    **extra: Any,
) -> int:
    """The handling officials of ``unit`` (default: the lead unit)."""
    unit = unit or complaint.lead_unit
    if unit is None:
        return await notify_role(uow, complaint, kind, key, Role.DISPATCHER, said, **extra)
    officials = await uow.officials.for_unit(unit, UNIT_ROLES)
    payload = complaint_payload(complaint, Reader.OFFICIAL, said, unit=unit, **extra)
    return await _send(uow, complaint, kind, _officials(officials), payload, key)


async def notify_co_units(uow: Audience, complaint: Complaint, key: str) -> int:
    sent = 0
    for unit in complaint.co_units:
        sent += await notify_unit(uow, complaint, "co_unit_informed", key, unit=unit)
    return sent


async def notify_role(
    uow: Audience,
    complaint: Complaint,
    kind: str,
    key: str,
    role: Role,
    said: Said | None = None,
    **extra: Any,
) -> int:
    """Every active official with a district-wide role (dispatchers, supervisors)."""
    officials = await uow.officials.with_role(role)
    payload = complaint_payload(complaint, Reader.OFFICIAL, said, **extra)
    return await _send(uow, complaint, kind, _officials(officials), payload, key)


async def notify_enterprise(
    uow: Audience, complaint: Complaint, kind: str, key: str, **extra: Any
) -> int:
    enterprise = await uow.enterprises.get(complaint.enterprise_id)
    if enterprise is None:
        return 0
    payload = complaint_payload(complaint, Reader.ENTERPRISE, **extra)
    return await _send(
        uow, complaint, kind, [(enterprise.channel, enterprise.external_id, {})], payload, key
    )
