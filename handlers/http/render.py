"""Open311 GeoReport v2 JSON for measures, complaints and acknowledgements (Chinese text).

Plain dicts in, plain dicts out: the routes serialise them. Times are shown in the service's
time zone as ISO 8601 with the offset (``2026-11-25T10:00:00+08:00``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from bot.domain.history import Step, said
from bot.domain.lifecycle import STATUS_TITLES
from bot.domain.records import Complaint, Event, SlaClock, Status
from bot.domain.sla import SlaEngine, UnknownMilestone, UnknownSlaPolicy
from bot.services.intake import Acknowledgement
from knowledge.model import Measure

#: the plans, as Open311 service groups
DOC_TITLES = {
    "2023-plan": "2023年偃师区优化营商环境实施方案",
    "2022-rectification": "2022年偃师区营商环境整改提升方案",
}
#: the assignment clock is the units' concern (timely transfer), not the filer's deadline
_INTERNAL_MILESTONES = ("assignment",)


def iso(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def service_entry(measure: Measure) -> dict[str, Any]:
    leads = "、".join((*measure.lead_units, *measure.lead_groups)) or "（未列明）"
    deadline = measure.deadline.normalized or "（未列明）"
    keywords = dict.fromkeys(
        k for k in (measure.section, measure.subsection, *measure.lead_units) if k
    )
    return {
        "service_code": measure.id,
        "service_name": measure.title,
        "description": f"牵头单位：{leads}；完成时限：{deadline}",
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(keywords),
        "group": DOC_TITLES.get(measure.doc, measure.doc),
    }


def milestone_title(sla: SlaEngine, policy: str, milestone: str) -> str:
    try:
        return sla.policy(policy).rule(milestone).title or milestone
    except (UnknownSlaPolicy, UnknownMilestone):
        return "响应（签收或回复）" if milestone == "response" else milestone


def acknowledgement_notice(ack: Acknowledgement, sla: SlaEngine, zone: tzinfo) -> str:
    """What the platform tells the filer at once, in Chinese."""
    if ack.already_filed:
        return (
            f"该编号的诉求此前已受理，工单编号 {ack.number}，未重复受理。"
            f"当前状态：{STATUS_TITLES[ack.status]}；承办单位：{ack.lead_unit or '待确认'}。"
        )
    if ack.repeat_of is not None:
        return (
            f"诉求已受理，工单编号 {ack.number}。该诉求与您在办的工单 {ack.repeat_of} 重复，"
            f"已并入一并办理（承办单位：{ack.lead_unit or '待确认'}）。"
        )
    parts = [f"诉求已受理，工单编号 {ack.number}。"]
    if ack.needs_dispatcher or ack.lead_unit is None:
        parts.append("承办单位待区营商办派单员确认，确认后将通知承办单位。")
    else:
        unit = ack.lead_unit
        if ack.co_units:
            unit += f"（协办：{'、'.join(ack.co_units)}）"
        parts.append(f"承办单位：{unit}。")
        if ack.measure_id:
            parts.append(f"依据举措：{ack.measure_id}「{ack.measure_title}」。")
    times = [
        f"{milestone_title(sla, ack.sla_policy, d.milestone)}："
        f"{d.due.astimezone(zone).strftime('%Y-%m-%d %H:%M')}前{'（预估）' if d.estimated else ''}"
        for d in ack.deadlines
    ]
    if times:
        parts.append("办理时限：" + "；".join(times) + "。")
    return "".join(parts)


def expected(complaint: Complaint, clocks: Sequence[SlaClock]) -> datetime | None:
    """The resolution deadline: the latest of the complaint's own milestones."""
    dues = [c.due_at for c in clocks if c.milestone not in _INTERNAL_MILESTONES]
    return max(dues) if dues else None


#: the most of the unit's latest words ``status_notes`` carries
MAX_NOTE = 2000


def status_notes(status: Status, lead_unit: str | None, note: str | None) -> str:
    """The status in Chinese, then the unit's latest words to the filer (its reply, the
    resolution summary, why it was voided): ``办理中：已联系供电公司……``."""
    notes = STATUS_TITLES[status]
    if lead_unit is None and status.is_open:
        notes += "（承办单位待确认）"
    if note:
        notes += "：" + note[:MAX_NOTE]
    return notes


def request_entry(
    complaint: Complaint,
    clocks: Sequence[SlaClock] | None,
    zone: tzinfo,
    note: Event | None = None,
    changed_at: datetime | None = None,
) -> dict[str, Any]:
    """One complaint as Open311 shows a service request; ``note`` is the unit's latest
    words (``bot.domain.history.UNIT_WORDS``), carried in ``status_notes``; ``changed_at``
    the last change the filer can read (default: when the complaint was last saved)."""
    entry: dict[str, Any] = {
        "service_request_id": complaint.number,
        "status": "open" if complaint.status.is_open else "closed",
        "status_notes": status_notes(
            complaint.status, complaint.lead_unit, None if note is None else said(note)
        ),
        "service_name": complaint.measure_title,
        "service_code": complaint.measure_id,
        "description": complaint.text,
        "agency_responsible": complaint.lead_unit,
        "service_notice": None,
        "requested_datetime": iso(complaint.created_at, zone),
        "updated_datetime": iso(changed_at or complaint.updated_at, zone),
        "expected_datetime": None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
    if clocks is not None:
        due = expected(complaint, clocks)
        entry["expected_datetime"] = None if due is None else iso(due, zone)
    if complaint.external_ref:
        entry["ref"] = complaint.external_ref
    for attachment in complaint.attachments:  # what the filer sent along (routes.py)
        kind, _sep, value = attachment.partition(":")
        if kind == "location":
            lat, _comma, lon = value.partition(",")
            entry["lat"], entry["long"] = float(lat), float(lon)
        elif kind == "address":
            entry["address"] = value
        elif kind == "url" and entry["media_url"] is None:
            entry["media_url"] = value
    return entry


def history_step(step: Step, zone: tzinfo) -> dict[str, Any]:
    return {
        "event_id": step.event_id,
        "type": step.kind.value,
        "title": step.title,
        "datetime": iso(step.at, zone),
        "notes": step.said,
        "agency": step.unit,
        "score": step.score,
        "solved": step.solved,
    }


def history_entry(
    complaint: Complaint,
    note: Event | None,
    steps: Sequence[Step],
    zone: tzinfo,
    changed_at: datetime | None = None,
) -> dict[str, Any]:
    """The history extension (``requests/N/history.json``): the request's status and every
    step the filer may read, oldest first."""
    entry = request_entry(complaint, None, zone, note, changed_at)
    return {
        "service_request_id": complaint.number,
        "status": entry["status"],
        "status_notes": entry["status_notes"],
        "updated_datetime": entry["updated_datetime"],
        "history": [history_step(s, zone) for s in steps],
    }


def _local(value: Any, zone: tzinfo) -> str | None:
    return None if not value else iso(datetime.fromisoformat(str(value)), zone)


def callback_body(delivery_id: str, payload: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """What a callback posts: the delivery id (the same on every retry), the request as it
    was after the change, and the step that changed it (``bot.services.callbacks``)."""
    request: dict[str, Any] = payload.get("request") or {}
    step: dict[str, Any] = payload.get("step") or {}
    status = Status(str(request.get("status")))
    return {
        "delivery_id": delivery_id,
        "service_request_id": request.get("number"),
        "account_id": payload.get("account_id"),
        "ref": request.get("ref"),
        "status": "open" if status.is_open else "closed",
        "status_notes": status_notes(status, request.get("lead_unit"), request.get("note")),
        "agency_responsible": request.get("lead_unit"),
        "service_code": request.get("measure_id"),
        "service_name": request.get("measure_title"),
        "requested_datetime": _local(request.get("created_at"), zone),
        "updated_datetime": _local(request.get("updated_at"), zone),
        "event": {
            "event_id": step.get("event_id"),
            "type": step.get("kind"),
            "title": step.get("title"),
            "datetime": _local(step.get("at"), zone),
            "notes": step.get("said"),
            "agency": step.get("unit"),
            "score": step.get("score"),
            "solved": step.get("solved"),
        },
    }


def error_body(status: int, zh: str, code: str, en: str) -> list[dict[str, Any]]:
    """Open311 errors are a list of ``{code, description}``; ``error`` and ``detail`` add the
    English machine code and message."""
    return [{"code": status, "description": zh, "error": code, "detail": en}]
