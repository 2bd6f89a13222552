"""The filters of Open311's ``GET requests``: ``start_date``, ``end_date``, ``status`` and the
``updated_after`` extension, read into ``bot.ports.FiledFilter``.

Dates are W3C date-times (``2026-11-25T00:00:00Z``, ``…+08:00``); one without an offset,
or a bare date, is Beijing time (a bare ``end_date`` means the end of that day). ``status`` is
``open``, ``closed`` or both, comma-separated. ``start_date`` and ``end_date`` together may
span at most 90 days, as the spec allows a server to require. Anything else is a 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta, tzinfo

from bot.errors import InvalidInput
from bot.ports import FiledFilter

#: the longest range one request may ask for (GeoReport v2: "may not span more than 90 days")
MAX_SPAN = timedelta(days=90)
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
STATUSES = ("open", "closed")
#: the years a date may name (the databases convert to UTC; year 1 or 9999 would overflow)
MIN_YEAR, MAX_YEAR = 1900, 9000


def _moment(
    fields: Mapping[str, str], name: str, zone: tzinfo, *, end: bool = False
) -> datetime | None:
    raw = (fields.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) > 40:
            raise ValueError(raw)
        if _DATE_ONLY.fullmatch(raw):
            day = datetime.fromisoformat(raw).date()
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                raise ValueError(raw)
            if end:  # the whole of that day
                return datetime.combine(day + timedelta(days=1), time(), zone) - timedelta(
                    microseconds=1
                )
            return datetime.combine(day, time(), zone)
        moment = datetime.fromisoformat(raw)
        if not MIN_YEAR <= moment.year <= MAX_YEAR:
            raise ValueError(raw)  # the databases' UTC conversion would overflow
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"{name} 应为日期时间，例如 2026-11-25T00:00:00+08:00 或 2026-11-25",
            f"{name} must be a W3C date-time such as 2026-11-25T00:00:00Z",
        ) from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _open(fields: Mapping[str, str]) -> bool | None:
    raw = (fields.get("status") or "").strip()
    if not raw:
        return None
    wanted = {part.strip().lower() for part in raw.split(",") if part.strip()}
    if not wanted or not wanted <= set(STATUSES):
        raise InvalidInput(
            "status 只能是 open、closed 或 open,closed", "status must be open, closed or both"
        )
    return None if len(wanted) == 2 else wanted == {"open"}


def filed_filter(fields: Mapping[str, str], zone: tzinfo) -> FiledFilter:
    start = _moment(fields, "start_date", zone)
    end = _moment(fields, "end_date", zone, end=True)
    if start is not None and end is not None:
        if start > end:
            raise InvalidInput("start_date 晚于 end_date", "start_date is after end_date")
        if end - start > MAX_SPAN + timedelta(days=1):
            raise InvalidInput(
                "start_date 与 end_date 相隔不得超过 90 天",
                "start_date and end_date may not span more than 90 days",
            )
    return FiledFilter(
        start=start,
        end=end,
        open=_open(fields),
        updated_after=_moment(fields, "updated_after", zone),
    )
