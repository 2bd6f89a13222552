"""Outgoing messages, written to the outbox inside the use case's unit of work.

Owns who is told what: the lead unit's officials (handlers and unit admins), co-units'
officials, dispatchers, supervisors and the enterprise. A message is stored only for channels
that can push (Telegram); a complaint filed over HTTP is followed by polling the API. Payloads
are plain JSON values; the Telegram layer turns them into Chinese text and buttons. Dedupe keys
make a repeated call harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from bot.domain.lifecycle import STATUS_TITLES
from bot.domain.records import Complaint, Official, OutboxMessage, Role
from bot.ports import EnterpriseRepository, OfficialRepository


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
EXCERPT = 120


def complaint_payload(
    complaint: Complaint, *, for_unit: bool = False, **extra: Any
) -> dict[str, Any]:
    """What a message says about the complaint. Officials of a unit never see the text of a
    confidential complaint in a notification (they open it in the bot, where access is checked)."""
    text = complaint.text if len(complaint.text) <= EXCERPT else complaint.text[:EXCERPT] + "…"
    if complaint.confidential and for_unit:
        text = "（企业要求保密，请在系统中查看）"
    return {
        "number": complaint.number,
        "status": complaint.status.value,
        "status_title": STATUS_TITLES[complaint.status],
        "lead_unit": complaint.lead_unit,
        "measure_id": complaint.measure_id,
        "measure_title": complaint.measure_title,
        "sla_policy": complaint.sla_policy,
        "text": text,
        **extra,
    }


async def _send(
    uow: Audience,
    complaint: Complaint,
    kind: str,
    recipients: Iterable[tuple[str, str]],
    payload: dict[str, Any],
    key: str,
) -> int:
    messages = [
        OutboxMessage(
            kind=kind,
            channel=channel,
            address=address,
            payload=payload,
            created_at=complaint.updated_at,
            dedupe_key=f"{complaint.number}:{kind}:{key}:{channel}:{address}",
            complaint_id=complaint.id,
        )
        for channel, address in dict.fromkeys(recipients)
        if channel in PUSH_CHANNELS
    ]
    return await uow.outbox.add_many(messages) if messages else 0


def _officials(officials: Iterable[Official]) -> list[tuple[str, str]]:
    return [("telegram", str(o.telegram_id)) for o in officials]


async def notify_unit(
    uow: Audience,
    complaint: Complaint,
    kind: str,
    key: str,
    unit: str | None = None,
    **extra: Any,
) -> int:
    """The handling officials of ``unit`` (default: the lead unit)."""
    unit = unit or complaint.lead_unit
    if unit is None:
        return await notify_role(uow, complaint, kind, key, Role.DISPATCHER, **extra)
    officials = await uow.officials.for_unit(unit, UNIT_ROLES)
    payload = complaint_payload(complaint, for_unit=True, unit=unit, **extra)
    return await _send(uow, complaint, kind, _officials(officials), payload, key)


async def notify_co_units(uow: Audience, complaint: Complaint, key: str) -> int:
    sent = 0
    for unit in complaint.co_units:
        sent += await notify_unit(uow, complaint, "co_unit_informed", key, unit=unit)
    return sent


async def notify_role(
    uow: Audience, complaint: Complaint, kind: str, key: str, role: Role, **extra: Any
) -> int:
    """Every active official with a district-wide role (dispatchers, supervisors)."""
    officials = await uow.officials.with_role(role)
    payload = complaint_payload(complaint, for_unit=True, **extra)
    return await _send(uow, complaint, kind, _officials(officials), payload, key)


async def notify_enterprise(
    uow: Audience, complaint: Complaint, kind: str, key: str, **extra: Any
) -> int:
    enterprise = await uow.enterprises.get(complaint.enterprise_id)
    if enterprise is None:
        return 0
    payload = complaint_payload(complaint, **extra)
    return await _send(
        uow, complaint, kind, [(enterprise.channel, enterprise.external_id)], payload, key
    )
