"""Weekly figures: rates with their targets, from the raw counts the database adds up.

Owns the definitions the README repeats and the ISO week arithmetic. A rate with nothing to
count (no complaints of that kind) is ``None`` and shown as "—", never 0% or a division error.

Targets from the plans: resolution rate 90% (measure 12); timely transfer and on-time reply
100% (measure 45); the 1330 milestones 100% (measure 34); the response minute 100%.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.domain.records import UnitCounts
from bot.errors import InvalidInput

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    title: str  # Chinese, for people
    numerator: int
    denominator: int
    target: float | None = None  # 0..1

    @property
    def rate(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    @property
    def met(self) -> bool | None:
        rate = self.rate
        return None if rate is None or self.target is None else rate >= self.target

    def shown(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


FINANCING_TITLES = {
    "contact": "1330·首日联系",
    "feedback": "1330·3日反馈",
    "approval": "1330·30日审批",
}


def figures(counts: UnitCounts) -> list[Figure]:
    result = [
        Figure(
            "response", "响应率（1分钟内签收）", counts.response_met, counts.response_total, 1.0
        ),
        Figure("reply_on_time", "按期回复率", counts.reply_on_time, counts.reply_total, 1.0),
        Figure(
            "timely_transfer", "及时转办率", counts.transfer_on_time, counts.transfer_total, 1.0
        ),
        # of the resolved complaints the enterprise answered about; the silent ones are shown
        # beside it (未回访), neither solved nor unsolved
        Figure(
            "resolution",
            "解决率（企业确认）",
            counts.confirmed_resolved,
            counts.answered_resolved,
            0.9,
        ),
        Figure(
            "no_answer",
            "未回访占比",
            counts.resolved - counts.answered_resolved,
            counts.resolved,
            None,
        ),
        Figure("satisfaction", "满意率", counts.satisfied, counts.ratings, None),
    ]
    for milestone, title in FINANCING_TITLES.items():
        due, met = counts.financing.get(milestone, (0, 0))
        result.append(Figure(f"1330_{milestone}", title, met, due, 1.0))
    return result


def parse_week(text: str) -> tuple[int, int]:
    match = _WEEK.match((text or "").strip())
    if match is None:
        raise InvalidInput(
            f"周次格式不对：{text!r}（应为 2026-W48 这样的 ISO 周）",
            f"malformed ISO week {text!r} (expected e.g. 2026-W48)",
        )
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InvalidInput(f"{year}年没有第{week}周", f"{year} has no week {week}") from None
    return year, week


def week_bounds(year: int, week: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in ``zone``, as UTC."""
    monday = date.fromisocalendar(year, week, 1)
    start = datetime.combine(monday, time(0), zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def last_complete_week(now: datetime, zone: tzinfo) -> tuple[int, int]:
    iso = (now.astimezone(zone).date() - timedelta(days=7)).isocalendar()
    return iso.year, iso.week
