"""A complaint's history as the one who filed it may read it: the steps of its conversation
with the units (replies, transfers, resolution, rating, ...), without the system's own
bookkeeping (clocks, co-units informed, extension requests not yet decided).

Owns which events are the filer's to read and what each one said. The filer is the
enterprise (or the 12345 platform that filed for it), the reader ``Reader.ENTERPRISE`` of
``bot.domain.confidentiality``: it may read its own words, confidential or not. Who among the
officials acted is never named: a step says which unit, not which person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.confidentiality import Reader, quote
from bot.domain.records import Complaint, Event, EventKind

#: the steps the filer reads, with their Chinese titles
STEP_TITLES: dict[EventKind, str] = {
    EventKind.SUBMITTED: "受理",
    EventKind.ROUTED: "派单",
    EventKind.SENT_TO_DISPATCHER: "待派单员确认",
    EventKind.SIGNED_OFF: "承办单位签收",
    EventKind.REPLIED: "单位答复",
    EventKind.FOLLOWED_UP: "企业补充",
    EventKind.CHASED: "企业催办",
    EventKind.SUPERVISED: "督办",
    EventKind.TRANSFERRED: "转派",
    EventKind.RETURNED: "退单",
    EventKind.EXTENSION_APPROVED: "延期获批",
    EventKind.RESOLVED: "办结",
    EventKind.REOPENED: "重办",
    EventKind.RATED: "评价",
    EventKind.CLOSED: "结案",
    EventKind.AUTO_CLOSED: "自动结案",
    EventKind.MERGED: "并入原工单",
    EventKind.WITHDRAWN: "企业撤回",
    EventKind.VOIDED: "标记无效",
}

#: what the unit says to the filer: the newest of these is Open311's ``status_notes``
UNIT_WORDS = (EventKind.REPLIED, EventKind.RESOLVED, EventKind.VOIDED)
#: the enterprise's own words (quoted by the confidentiality rule)
_ENTERPRISE_WORDS = frozenset(
    {EventKind.FOLLOWED_UP, EventKind.CHASED, EventKind.REOPENED, EventKind.RATED}
)
#: the longest text a step carries
MAX_SAID = 2000


@dataclass(frozen=True, slots=True)
class Step:
    event_id: int | None
    kind: EventKind
    title: str
    at: datetime
    #: what was said with it: a reply, a summary, a reason, a comment (None: nothing)
    said: str | None = None
    #: the unit it went to (routing, transfer) or came from (return)
    unit: str | None = None
    score: int | None = None  # a rating's 1..5
    solved: bool | None = None  # a rating's "was it solved?"


def said(event: Event) -> str | None:
    """The words an event carries (a reply's text, a resolution summary, a reason)."""
    words = event.data.get("text") or event.data.get("summary") or event.reason
    return str(words) if words else None


def step(event: Event, complaint: Complaint) -> Step | None:
    """The filer's view of one event; None for the system's own bookkeeping."""
    title = STEP_TITLES.get(event.kind)
    if title is None:
        return None
    words = said(event)
    if words is not None and event.kind in _ENTERPRISE_WORDS:
        words = quote(
            words, confidential=complaint.confidential, reader=Reader.ENTERPRISE, limit=MAX_SAID
        )
    elif words is not None:
        words = words[:MAX_SAID]
    unit = event.data.get("to_unit") or event.data.get("unit") or event.data.get("from_unit")
    score = event.data.get("score") if event.kind is EventKind.RATED else None
    solved = event.data.get("solved") if event.kind is EventKind.RATED else None
    return Step(
        event.id,
        event.kind,
        title,
        event.at,
        words,
        str(unit) if unit else None,
        int(score) if isinstance(score, int) else None,
        solved if isinstance(solved, bool) else None,
    )


def thread(events: list[Event] | tuple[Event, ...], complaint: Complaint) -> list[Step]:
    return [s for e in events if (s := step(e, complaint)) is not None]
