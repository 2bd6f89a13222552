"""Complaint numbers (工单编号): ``YYYYMMDD-NNNN``, the local date of receipt and its daily
sequence, easy to read out on the phone and to sort."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

from bot.errors import InvalidInput

_PATTERN = re.compile(r"^(\d{8})-(\d{4,6})$")


def format_number(received: datetime, sequence: int, zone: tzinfo) -> str:
    return f"{received.astimezone(zone):%Y%m%d}-{sequence:04d}"


def local_day(received: datetime, zone: tzinfo) -> date:
    return received.astimezone(zone).date()


def parse_number(text: str) -> str:
    """The canonical form of a number a person typed (spaces, full-width digits and dashes
    allowed); InvalidInput when it is not one."""
    cleaned = (
        (text or "")
        .strip()
        .translate(str.maketrans("０１２３４５６７８９－—", "0123456789--"))
        .replace(" ", "")
    )
    match = _PATTERN.match(cleaned)
    if match is None:
        raise InvalidInput(
            f"工单编号格式不对：{text[:40]!r}（应为 20261125-0001 这样的格式）",
            f"malformed complaint number {text[:40]!r} (expected e.g. 20261125-0001)",
        )
    try:
        datetime.strptime(match.group(1), "%Y%m%d")
    except ValueError:
        raise InvalidInput(
            f"工单编号中的日期不存在：{match.group(1)}",
            f"complaint number has an impossible date: {match.group(1)}",
        ) from None
    return cleaned
