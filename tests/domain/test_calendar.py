"""The working-day calendar: official holidays and make-up days, overrides, estimates, coverage.

Expected dates are checked by hand against the State Council notices for 2026 (国办发明电
〔2025〕7号): National Day + Mid-autumn 10-01..10-07 with make-up Sunday 09-20 and Saturday
10-10; Spring Festival 02-15..02-23 with make-up Saturdays 02-14 and 02-28; New Year 01-01..03
with make-up Sunday 01-04.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.domain.calendar import (
    MAX_WORKING_DAYS,
    CalendarDataError,
    DateOutOfRange,
    WorkingCalendar,
    coverage_warning,
    load_calendar,
    load_overrides,
    parse_overrides,
)
from bot.errors import YousuError

D = date


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return load_calendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 10, 1), False),  # National Day, Thursday
        (D(2026, 10, 7), False),  # last day off, Wednesday
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday, make-up working day
        (D(2026, 10, 11), False),  # an ordinary Sunday
        (D(2026, 9, 20), True),  # Sunday, make-up working day
        (D(2026, 9, 25), False),  # Mid-autumn, Friday
        (D(2026, 2, 14), True),  # Saturday before Spring Festival, make-up
        (D(2026, 2, 23), False),  # Monday, still Spring Festival
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday, make-up
        (D(2026, 1, 4), True),  # Sunday, make-up after New Year
        (D(2026, 11, 25), True),  # an ordinary Wednesday
        (D(2026, 11, 28), False),  # an ordinary Saturday
    ],
)
def test_official_days_2026(cal: WorkingCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_package_covers_2004_to_2026(cal: WorkingCalendar) -> None:
    assert cal.package_years[0] == 2004
    assert cal.package_years[-1] == 2026
    assert cal.is_covered(2026)
    assert not cal.is_covered(2027)


def test_make_up_days_have_names(cal: WorkingCalendar) -> None:
    assert cal.day_name(D(2026, 10, 10)) == "国庆节"
    assert cal.day_name(D(2026, 2, 16)) == "春节"
    assert cal.day_name(D(2026, 11, 25)) == ""


@pytest.mark.parametrize(
    ("received", "n", "expected"),
    [
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # across National Day
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the make-up Saturday counts
        (D(2026, 9, 30), 4, D(2026, 10, 12)),
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Friday -> make-up Sunday
        (D(2026, 9, 24), 1, D(2026, 9, 28)),  # Thursday -> after Mid-autumn
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Friday -> make-up Saturday
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # then the whole Spring Festival
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # received on a make-up day: it does not count
        (D(2025, 12, 31), 1, D(2026, 1, 4)),  # year crossing onto a make-up Sunday
        (D(2026, 11, 25), 5, D(2026, 12, 2)),
        (D(2026, 11, 28), 1, D(2026, 11, 30)),  # received on a Saturday
    ],
)
def test_working_day_after(cal: WorkingCalendar, received: date, n: int, expected: date) -> None:
    assert cal.working_day_after(received, n) == (expected, False)


def test_working_day_before_mirrors_after(cal: WorkingCalendar) -> None:
    assert cal.working_day_before(D(2026, 10, 8), 1) == (D(2026, 9, 30), False)
    assert cal.working_day_before(D(2026, 10, 12), 1) == (D(2026, 10, 10), False)
    assert cal.working_day_before(D(2026, 1, 4), 1) == (D(2025, 12, 31), False)


def test_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.next_working_day(D(2026, 10, 1)) == (D(2026, 10, 8), False)
    assert cal.next_working_day(D(2026, 10, 8)) == (D(2026, 10, 8), False)
    assert cal.next_working_day(D(2026, 10, 8), include=False) == (D(2026, 10, 9), False)


def test_uncovered_year_is_estimated_on_weekdays(cal: WorkingCalendar) -> None:
    # 2027-01-01 is a Friday; the real schedule is unknown to the package
    assert cal.working_day_after(D(2026, 12, 31), 1) == (D(2027, 1, 1), True)
    assert cal.working_day_after(D(2026, 12, 30), 1) == (D(2026, 12, 31), False)
    assert cal.working_day_after(D(2027, 3, 5), 1) == (D(2027, 3, 8), True)
    assert cal.working_day_after(D(2003, 12, 30), 1)[1] is True  # before the package's data


def test_estimate_logs_one_warning_per_year(caplog: pytest.LogCaptureFixture) -> None:
    fresh = load_calendar()
    with caplog.at_level(logging.WARNING, logger="bot.domain.calendar"):
        fresh.working_day_after(D(2027, 3, 1), 1)
        fresh.working_day_after(D(2027, 6, 1), 10)
        fresh.is_working_day(D(2027, 8, 2))
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert "2027" in messages[0]


def test_coverage_warning_names_next_year_late_in_the_year(cal: WorkingCalendar) -> None:
    warning = cal.coverage_warning(D(2026, 11, 25))
    assert warning is not None
    assert "2027" in warning
    assert "estimated" in warning and "估算" in warning


def test_coverage_warning_quiet_when_horizon_is_covered(cal: WorkingCalendar) -> None:
    assert cal.coverage_warning(D(2026, 3, 1)) is None
    assert cal.coverage_warning(D(2026, 9, 30)) is None  # 92 days ahead is still 2026


def test_coverage_warning_for_the_current_year(cal: WorkingCalendar) -> None:
    warning = cal.coverage_warning(D(2028, 3, 1))
    assert warning is not None and "2028" in warning


def test_module_level_coverage_warning_uses_the_shipped_data() -> None:
    warning = coverage_warning(D(2026, 12, 1))
    assert warning is not None and "2027" in warning


# --- the override file -------------------------------------------------------------------------

FAKE_2027 = """
[[year]]
year = 2027
source = "test: a made-up schedule"
holidays = [
  { from = 2027-01-01, to = 2027-01-05, name = "元旦（测试）" },
  { date = "2027-03-03", name = "测试假日" },
]
workdays = [ { date = 2027-01-09, name = "调休（测试）" } ]

[local]
holidays = [ { date = 2026-11-26, name = "本地休息日" } ]
workdays = [ { date = 2026-11-28, name = "本地加班日" } ]
"""


def test_override_file_adds_a_year_and_local_changes(
    write_file: Callable[[str, str], Path],
) -> None:
    cal = load_calendar(write_file("overrides.toml", FAKE_2027))
    assert cal.is_covered(2027)
    # 2027-01-04 and -05 (Mon, Tue) are days off in the fake year; Saturday the 9th works
    assert cal.working_day_after(D(2026, 12, 31), 1) == (D(2027, 1, 6), False)
    assert cal.working_day_after(D(2027, 1, 8), 1) == (D(2027, 1, 9), False)
    assert not cal.is_working_day(D(2027, 3, 3))
    # local changes on top of the package's 2026
    assert not cal.is_working_day(D(2026, 11, 26))
    assert cal.is_working_day(D(2026, 11, 28))
    assert cal.working_day_after(D(2026, 11, 25), 1) == (D(2026, 11, 27), False)
    assert cal.coverage_warning(D(2026, 11, 25)) is None


def test_override_can_turn_a_package_holiday_into_a_working_day() -> None:
    overrides = parse_overrides({"local": {"workdays": [{"date": "2026-10-07"}]}})
    cal = WorkingCalendar.official(overrides)
    assert cal.is_working_day(D(2026, 10, 7))
    assert cal.working_day_after(D(2026, 9, 30), 1) == (D(2026, 10, 7), False)


def test_shipped_override_file_is_valid_and_adds_no_fake_year() -> None:
    overrides = load_overrides()
    assert 2027 not in overrides.years


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[local]\nholidays = [{date = 2026-11-26}]\nworkdays = [{date = 2026-11-26}]", "both"),
        ("[local]\nholidays = [{date = 'not-a-date'}]", "date"),
        ("[local]\nholidays = [{from = 2026-11-26, to = 2026-11-20}]", "ends before"),
        ("[local]\nholidays = [{from = 2026-01-01, to = 2026-12-31}]", "longer than"),
        ("[local]\nholidays = [{from = 2026-01-01}]", "both `from` and `to`"),
        (
            "[local]\nholidays = [{date = 2026-01-01, from = 2026-01-01, to = 2026-01-02}]",
            "not both",
        ),
        ("[[year]]\nyear = 2027\nholidays = [{date = 2028-01-01}]", "listed under year 2027"),
        ("[[year]]\nyear = 2027\n[[year]]\nyear = 2027", "twice"),
        ("[[year]]\nyear = 99999", "year"),
        ("[locale]\nholidays = []", "locale"),
        ("this is = = not toml", "unreadable"),
    ],
)
def test_bad_override_files_are_named_errors(
    write_file: Callable[[str, str], Path], text: str, fragment: str
) -> None:
    path = write_file("bad.toml", text)
    with pytest.raises(CalendarDataError) as info:
        load_overrides(path)
    assert fragment in info.value.en
    assert str(path) in info.value.en
    assert info.value.zh


def test_missing_override_file_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(CalendarDataError, match="not found"):
        load_overrides(tmp_path / "nope.toml")


@pytest.mark.parametrize("n", [0, -1, MAX_WORKING_DAYS + 1, True])
def test_bad_counts_are_refused(cal: WorkingCalendar, n: int) -> None:
    with pytest.raises(DateOutOfRange) as info:
        cal.working_day_after(D(2026, 1, 1), n)
    assert isinstance(info.value, YousuError)


def test_largest_count_is_computed(cal: WorkingCalendar) -> None:
    day, estimated = cal.working_day_after(D(2026, 1, 1), MAX_WORKING_DAYS)
    assert day > D(2060, 1, 1)
    assert estimated


def test_far_dates_are_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(DateOutOfRange):
        cal.working_day_after(D(9999, 12, 30), 1)
    with pytest.raises(DateOutOfRange):
        cal.working_day_after(D(8999, 12, 30), MAX_WORKING_DAYS)
    with pytest.raises(DateOutOfRange):
        cal.working_day_before(D(1900, 1, 2), 5)


def test_a_year_table_matches_day_by_day_lookups(cal: WorkingCalendar) -> None:
    day = D(2026, 1, 1)
    expected = []
    while day.year == 2026:
        if cal.is_working_day(day):
            expected.append(day)
        day += timedelta(days=1)
    counted = [cal.working_day_after(D(2025, 12, 31), n)[0] for n in range(1, len(expected) + 1)]
    assert counted == expected
    # 2026: 261 weekdays - 19 holidays on weekdays + 6 make-up working days
    assert len(expected) == 248


def test_a_long_count_logs_one_line_for_all_its_estimated_years(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fresh = load_calendar()
    with caplog.at_level(logging.WARNING, logger="bot.domain.calendar"):
        day, estimated = fresh.working_day_after(D(2026, 6, 1), 2_000)
    assert estimated and day.year >= 2033
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert "2027-" in messages[0]
