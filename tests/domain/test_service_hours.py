"""Service hours and the `response` minute: lunch break, evening, weekend, holidays, seasons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import WorkingCalendar, load_calendar
from bot.domain.service_hours import (
    ServiceHours,
    ServiceHoursError,
    load_service_hours,
    parse_service_hours,
)
from bot.domain.sla import SlaEngine

SH = ZoneInfo("Asia/Shanghai")
MINUTE = timedelta(minutes=1)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)  # type: ignore[misc]


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return load_calendar()


@pytest.fixture(scope="module")
def hours() -> ServiceHours:
    return load_service_hours()


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2026, 11, 25, 10, 0), at(2026, 11, 25, 10, 1)),  # inside the morning
        (at(2026, 11, 25, 8, 30), at(2026, 11, 25, 8, 31)),  # at opening
        (at(2026, 11, 25, 8, 0), at(2026, 11, 25, 8, 31)),  # before opening
        (at(2026, 11, 25, 11, 59, 30), at(2026, 11, 25, 14, 30, 30)),  # half before lunch
        (at(2026, 11, 25, 11, 59), at(2026, 11, 25, 12, 0)),  # ends exactly at lunch
        (at(2026, 11, 25, 12, 0), at(2026, 11, 25, 14, 31)),  # 12:00 sharp is lunch
        (at(2026, 9, 30, 12, 0, 30), at(2026, 9, 30, 14, 31)),  # the brief's example
        (at(2026, 11, 25, 17, 29, 30), at(2026, 11, 26, 8, 30, 30)),  # across the evening
        (at(2026, 11, 25, 20, 0), at(2026, 11, 26, 8, 31)),  # evening
        (at(2026, 10, 16, 18, 0), at(2026, 10, 19, 8, 31)),  # Friday evening -> Monday
        (at(2026, 10, 9, 18, 0), at(2026, 10, 10, 8, 31)),  # Friday -> make-up Saturday
        (at(2026, 9, 18, 18, 0), at(2026, 9, 20, 8, 31)),  # Friday -> make-up Sunday
        (at(2026, 9, 30, 17, 29, 30), at(2026, 10, 8, 8, 30, 30)),  # across National Day
        (at(2026, 2, 14, 17, 45), at(2026, 2, 24, 8, 31)),  # across Spring Festival
        (at(2026, 10, 3, 9, 0), at(2026, 10, 8, 8, 31)),  # during a holiday
    ],
)
def test_response_minute(
    hours: ServiceHours, cal: WorkingCalendar, received: datetime, due: datetime
) -> None:
    got, estimated = hours.add_service_time(received, MINUTE, cal)
    assert got == due
    assert got.tzinfo is UTC
    assert estimated is False


def test_any_time_zone_in(hours: ServiceHours, cal: WorkingCalendar) -> None:
    # 04:00:30 UTC is 12:00:30 in Shanghai
    got, _ = hours.add_service_time(datetime(2026, 9, 30, 4, 0, 30, tzinfo=UTC), MINUTE, cal)
    assert got == at(2026, 9, 30, 14, 31)
    new_york = datetime(2026, 9, 30, 0, 0, 30, tzinfo=ZoneInfo("America/New_York"))
    got, _ = hours.add_service_time(new_york, MINUTE, cal)
    assert got == at(2026, 9, 30, 14, 31)  # 00:00:30 EDT is 12:00:30 CST


def test_zero_duration_is_next_service_moment(hours: ServiceHours, cal: WorkingCalendar) -> None:
    assert hours.add_service_time(at(2026, 11, 25, 10, 0), timedelta(0), cal)[0] == at(
        2026, 11, 25, 10, 0
    )
    assert hours.add_service_time(at(2026, 11, 25, 12, 10), timedelta(0), cal)[0] == at(
        2026, 11, 25, 14, 30
    )


def test_estimated_when_service_time_falls_in_an_uncovered_year(
    hours: ServiceHours, cal: WorkingCalendar
) -> None:
    got, estimated = hours.add_service_time(at(2026, 12, 31, 18, 0), MINUTE, cal)
    assert got == at(2027, 1, 1, 8, 31)  # a Friday by the weekday rule
    assert estimated is True


def test_is_service_time(hours: ServiceHours, cal: WorkingCalendar) -> None:
    assert hours.is_service_time(at(2026, 10, 10, 9, 0), cal)  # make-up Saturday
    assert not hours.is_service_time(at(2026, 10, 11, 9, 0), cal)  # Sunday
    assert not hours.is_service_time(at(2026, 11, 25, 12, 0), cal)
    assert hours.is_service_time(at(2026, 11, 25, 17, 29, 59), cal)
    assert not hours.is_service_time(at(2026, 11, 25, 17, 30), cal)


SUMMER = """
zone = "Asia/Shanghai"
periods = [ { open = "08:30", close = "12:00" }, { open = "14:30", close = "17:30" } ]

[[season]]
name = "夏季作息"
from = "06-01"
to = "09-30"
periods = [ { open = 08:00:00, close = 12:00:00 }, { open = "15:00", close = "18:00" } ]

[[season]]
name = "冬季（跨年）"
from = "12-15"
to = "01-15"
periods = [ { open = "09:00", close = "17:00" } ]

[[season]]
name = "一次性"
from = "2026-11-02"
to = "2026-11-06"
periods = [ { open = "10:00", close = "11:00" } ]
"""


def test_seasonal_hours(write_file: Callable[[str, str], Path], cal: WorkingCalendar) -> None:
    hours = load_service_hours(write_file("hours.toml", SUMMER))
    # summer: lunch runs to 15:00
    assert hours.add_service_time(at(2026, 7, 1, 12, 0, 30), MINUTE, cal)[0] == at(
        2026, 7, 1, 15, 1
    )
    assert hours.add_service_time(at(2026, 7, 1, 8, 0), MINUTE, cal)[0] == at(2026, 7, 1, 8, 1)
    assert hours.opening(date(2026, 9, 30)) == at(2026, 9, 30, 8, 0)
    assert hours.opening(date(2026, 10, 8)) == at(2026, 10, 8, 8, 30)  # back to default
    # a season that wraps the new year
    assert hours.opening(date(2026, 1, 5)) == at(2026, 1, 5, 9, 0)
    assert hours.opening(date(2026, 12, 20)) == at(2026, 12, 20, 9, 0)
    # a one-off date range: one hour a day; 10:59:30 + 1 min -> next day's 10:00:30
    assert hours.add_service_time(at(2026, 11, 2, 10, 59, 30), MINUTE, cal)[0] == at(
        2026, 11, 3, 10, 0, 30
    )


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"periods": []}, "at least 1"),
        ({"periods": [{"open": "12:00", "close": "08:30"}]}, "closes before it opens"),
        (
            {"periods": [{"open": "08:00", "close": "12:00"}, {"open": "11:00", "close": "13:00"}]},
            "overlap",
        ),
        ({"zone": "Mars/Olympus", "periods": [{"open": "08:00", "close": "12:00"}]}, "zone"),
        ({"periods": [{"open": "25:00", "close": "26:00"}]}, "periods"),
        (
            {
                "periods": [{"open": "08:00", "close": "12:00"}],
                "season": [{"from": "13-01", "to": "01-01", "periods": []}],
            },
            "MM-DD",
        ),
        (
            {
                "periods": [{"open": "08:00", "close": "12:00"}],
                "season": [
                    {
                        "from": "06-01",
                        "to": "2026-09-30",
                        "periods": [{"open": "08:00", "close": "12:00"}],
                    }
                ],
            },
            "both be",
        ),
        ({"periods": [{"open": "08:00", "close": "12:00"}], "colour": "red"}, "colour"),
    ],
)
def test_bad_service_hours_are_named_errors(raw: dict[str, object], fragment: str) -> None:
    with pytest.raises(ServiceHoursError) as info:
        parse_service_hours(raw)
    assert fragment in info.value.en


def test_missing_service_hours_file(tmp_path: Path) -> None:
    with pytest.raises(ServiceHoursError, match="not found"):
        load_service_hours(tmp_path / "nope.toml")


def test_engine_uses_the_same_hours(engine: SlaEngine) -> None:
    schedule = engine.schedule("general", at(2026, 9, 30, 12, 0, 30))
    response = schedule.milestone("response")
    assert response.due == at(2026, 9, 30, 14, 31)
    assert response.warn_at == at(2026, 9, 30, 14, 30, 30)  # 30 s of service time left
