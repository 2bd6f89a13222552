"""China's working-day calendar: which dates are working days, and counting them.

This module owns the one question every SLA clock asks: *is this date a working day in China?*
The answer combines, in this order of precedence:

1. the operator's override file (``bot/data/calendar_overrides.toml`` or a replacement): whole
   years the package does not know yet, and local changes (an extra day off, an extra working day);
2. the maintained ``chinesecalendar`` package (import name ``chinese_calendar``): the State
   Council's official holidays **and make-up working days** (调休上班日, e.g. Saturday 2026-10-10);
3. plain weekdays (Monday to Friday) for a year that neither source covers. Such answers are
   *estimated*: callers get an ``estimated`` flag and a warning is logged once per year.

``chinese_calendar`` is imported here and nowhere else, so replacing the source touches one file.
Dates are plain local dates of the official calendar (Asia/Shanghai); time zones are the
caller's business (see ``bot.domain.service_hours`` and ``bot.domain.sla``).
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.domain.data_files import read_toml, validation_detail
from bot.errors import InvalidInput, YousuError

logger = logging.getLogger(__name__)

#: the override file shipped with yousu (operators edit it or point SLA_DATA_DIR at their own)
DEFAULT_OVERRIDES_FILE = Path(__file__).resolve().parents[1] / "data" / "calendar_overrides.toml"

#: a coverage warning looks this far ahead: the longest shipped deadline (procuratorate reply
#: plus one extension, two months; 1330 approval, 30 working days) fits well inside it, so a
#: deadline set today can only run into a year that is covered or warned about.
DEFAULT_COVERAGE_HORIZON = timedelta(days=92)

#: counting further than this is refused (about 40 years); it keeps hostile input cheap
MAX_WORKING_DAYS = 10_000

#: the calendar answers for these years only (estimated outside the data), so date arithmetic
#: never overflows ``date.max``
MIN_YEAR = 1900
MAX_YEAR = 9000

#: a range in the override file longer than this is almost certainly a typo
_MAX_RANGE_DAYS = 60


class CalendarDataError(YousuError):
    """The calendar override file is missing, unreadable or inconsistent."""

    code = "calendar_data_error"
    http_status = 500


class DateOutOfRange(InvalidInput):
    """A date or a count the calendar refuses to compute with."""

    code = "date_out_of_range"


# --- the override file -------------------------------------------------------------------------


class _DateEntry(BaseModel):
    """One date (``date``) or an inclusive range (``from``/``to``) with an optional name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    on: date | None = Field(default=None, alias="date")
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    name: str = ""

    @model_validator(mode="after")
    def _one_form(self) -> _DateEntry:
        if self.on is not None and (self.from_ is not None or self.to is not None):
            raise ValueError("give either `date` or `from`/`to`, not both")
        if self.on is None:
            if self.from_ is None or self.to is None:
                raise ValueError("give `date`, or both `from` and `to`")
            if self.to < self.from_:
                raise ValueError(f"range ends before it starts: {self.from_} .. {self.to}")
            if (self.to - self.from_).days >= _MAX_RANGE_DAYS:
                raise ValueError(f"range longer than {_MAX_RANGE_DAYS} days: {self.from_}")
        return self

    def dates(self) -> list[date]:
        if self.on is not None:
            return [self.on]
        assert self.from_ is not None and self.to is not None  # checked by the validator
        return [self.from_ + timedelta(days=i) for i in range((self.to - self.from_).days + 1)]


class _YearEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    source: str = ""
    holidays: list[_DateEntry] = []
    workdays: list[_DateEntry] = []

    @model_validator(mode="after")
    def _dates_in_year(self) -> _YearEntry:
        for entry in (*self.holidays, *self.workdays):
            for day in entry.dates():
                if day.year != self.year:
                    raise ValueError(f"{day} is listed under year {self.year}")
        return self


class _LocalChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holidays: list[_DateEntry] = []
    workdays: list[_DateEntry] = []


class _OverrideFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: list[_YearEntry] = []
    local: _LocalChanges = _LocalChanges()


@dataclass(frozen=True, slots=True)
class CalendarOverrides:
    """The override file, flattened: dates that are days off, dates that are working days,
    and the years the file declares complete (those count as covered)."""

    holidays: Mapping[date, str]
    workdays: Mapping[date, str]
    years: frozenset[int]

    @classmethod
    def empty(cls) -> CalendarOverrides:
        return cls(holidays={}, workdays={}, years=frozenset())


def load_overrides(path: Path | None = None) -> CalendarOverrides:
    """Read and check an override file (default: the shipped one). Bad files raise
    ``CalendarDataError`` naming the file and the problem."""
    path = DEFAULT_OVERRIDES_FILE if path is None else path
    raw = read_toml(path, CalendarDataError, ("节假日覆盖文件", "calendar override file"))
    return parse_overrides(raw, source=str(path))


def parse_overrides(raw: Mapping[str, Any], *, source: str = "<overrides>") -> CalendarOverrides:
    """Check the parsed TOML of an override file and flatten it."""
    try:
        data = _OverrideFile.model_validate(raw)
    except ValidationError as exc:
        detail = validation_detail(exc)
        raise CalendarDataError(
            f"节假日覆盖文件有误：{source}：{detail}",
            f"calendar override file is invalid: {source}: {detail}",
        ) from exc
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    years: set[int] = set()
    sections: list[tuple[Iterable[_DateEntry], Iterable[_DateEntry]]] = []
    for entry in data.year:
        if entry.year in years:
            raise CalendarDataError(
                f"节假日覆盖文件重复列出 {entry.year} 年：{source}",
                f"calendar override file lists year {entry.year} twice: {source}",
            )
        years.add(entry.year)
        sections.append((entry.holidays, entry.workdays))
    sections.append((data.local.holidays, data.local.workdays))
    for holiday_entries, workday_entries in sections:
        for item in holiday_entries:
            holidays.update(dict.fromkeys(item.dates(), item.name))
        for item in workday_entries:
            workdays.update(dict.fromkeys(item.dates(), item.name))
    both = sorted(set(holidays) & set(workdays))
    if both:
        listed = ", ".join(d.isoformat() for d in both[:5])
        raise CalendarDataError(
            f"节假日覆盖文件把同一天同时列为休息日和工作日：{source}：{listed}",
            f"calendar override file lists a date as both holiday and working day: "
            f"{source}: {listed}",
        )
    return CalendarOverrides(holidays=holidays, workdays=workdays, years=frozenset(years))


# --- the calendar ------------------------------------------------------------------------------


def _package_data() -> tuple[dict[date, str], dict[date, str], frozenset[int]]:
    """The package's holidays, make-up working days and the years it covers (every year from
    its first to its last, as the package itself validates)."""

    def chinese(name: str) -> str:
        try:
            return str(chinese_calendar.Holiday(name).chinese)
        except ValueError:
            return name

    holidays = {d: chinese(n) for d, n in chinese_calendar.holidays.items()}
    workdays = {d: chinese(n) for d, n in chinese_calendar.workdays.items()}
    known = [d.year for d in holidays]
    years = frozenset(range(min(known), max(known) + 1)) if known else frozenset()
    return holidays, workdays, years


class WorkingCalendar:
    """Working days of the official Chinese calendar, with overrides, for counting deadlines.

    Lookups are cached per date and per year (a sorted table of the year's working days), so
    counting N working days costs a binary search per year crossed, not a loop over N days.
    """

    def __init__(
        self,
        *,
        holidays: Mapping[date, str],
        workdays: Mapping[date, str],
        covered_years: Iterable[int],
        package_years: Iterable[int] = (),
    ) -> None:
        self._holidays = dict(holidays)
        self._workdays = dict(workdays)
        self._covered = frozenset(covered_years)
        self._package_years = frozenset(package_years)
        self._day_cache: dict[date, bool] = {}
        self._year_tables: dict[int, list[int]] = {}
        self._warned_years: set[int] = set()

    @classmethod
    def official(cls, overrides: CalendarOverrides | None = None) -> WorkingCalendar:
        """The package's data with the overrides on top (overrides win date by date)."""
        overrides = CalendarOverrides.empty() if overrides is None else overrides
        holidays, workdays, package_years = _package_data()
        for day in overrides.holidays:
            workdays.pop(day, None)
        for day in overrides.workdays:
            holidays.pop(day, None)
        holidays.update(overrides.holidays)
        workdays.update(overrides.workdays)
        return cls(
            holidays=holidays,
            workdays=workdays,
            covered_years=package_years | overrides.years,
            package_years=package_years,
        )

    # -- single dates

    @property
    def covered_years(self) -> tuple[int, ...]:
        return tuple(sorted(self._covered))

    @property
    def package_years(self) -> tuple[int, ...]:
        """The years the ``chinesecalendar`` package itself covers."""
        return tuple(sorted(self._package_years))

    def is_covered(self, year: int) -> bool:
        return year in self._covered

    def is_working_day(self, day: date) -> bool:
        """True on working days, including make-up working days (调休上班日). In a year without
        data the weekday rule answers (see ``is_covered``) and a warning is logged once."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        answer = self._raw_is_working(day)
        if day.year not in self._covered:
            self._warn_estimated((day.year,))
        self._day_cache[day] = answer
        return answer

    def day_name(self, day: date) -> str:
        """The holiday or make-up day's name (Chinese when the package knows it), else ''."""
        return self._holidays.get(day) or self._workdays.get(day) or ""

    def next_working_day(self, day: date, *, include: bool = True) -> tuple[date, bool]:
        """The first working day on or after ``day`` (after it when ``include`` is false), and
        whether the answer is estimated (a date examined lies in a year without data)."""
        _check_year(day)
        return self.working_day_after(day - timedelta(days=1) if include else day, 1)

    # -- counting

    def working_day_after(self, day: date, n: int) -> tuple[date, bool]:
        """The ``n``-th working day strictly after ``day`` (``day`` itself never counts, as
        in Chinese procedural law), and whether it is estimated: true when a working day
        counted lies in a year without data. ``n`` must be 1 or more."""
        _check_count(n)
        _check_year(day)
        ordinal = day.toordinal()
        year = day.year
        remaining = n
        uncovered: list[int] = []
        while True:
            if year > MAX_YEAR:
                raise _too_far(day, n)
            table = self._year_table(year)
            index = bisect_right(table, ordinal)
            available = len(table) - index
            if available and year not in self._covered:
                uncovered.append(year)
            if remaining <= available:
                self._warn_estimated(uncovered)
                return date.fromordinal(table[index + remaining - 1]), bool(uncovered)
            remaining -= available
            year += 1

    def working_day_before(self, day: date, n: int) -> tuple[date, bool]:
        """The ``n``-th working day strictly before ``day`` (mirror of ``working_day_after``)."""
        _check_count(n)
        _check_year(day)
        ordinal = day.toordinal()
        year = day.year
        remaining = n
        uncovered: list[int] = []
        while True:
            if year < MIN_YEAR:
                raise _too_far(day, -n)
            table = self._year_table(year)
            index = bisect_left(table, ordinal)
            if index and year not in self._covered:
                uncovered.append(year)
            if remaining <= index:
                self._warn_estimated(uncovered)
                return date.fromordinal(table[index - remaining]), bool(uncovered)
            remaining -= index
            year -= 1
            ordinal = date(year, 12, 31).toordinal() + 1 if year >= MIN_YEAR else 0

    def _year_table(self, year: int) -> list[int]:
        table = self._year_tables.get(year)
        if table is None:
            first = date(year, 1, 1).toordinal()
            last = date(year, 12, 31).toordinal()
            # Build without is_working_day so a table does not log an estimate by itself;
            # estimates are reported only when a counted day lies in the year.
            table = [o for o in range(first, last + 1) if self._raw_is_working(date.fromordinal(o))]
            self._year_tables[year] = table
        return table

    def _raw_is_working(self, day: date) -> bool:
        """Overrides and package first (make-up days beat weekends), then the weekday rule."""
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        return day.weekday() < 5

    # -- coverage

    def coverage_warning(
        self, today: date, *, horizon: timedelta = DEFAULT_COVERAGE_HORIZON
    ) -> str | None:
        """A bilingual warning when this year, or a year a deadline set today can reach
        (``today + horizon``), has no calendar data; None when all is covered."""
        last = min(today + horizon, date(MAX_YEAR, 12, 31))
        missing = [y for y in range(today.year, last.year + 1) if y not in self._covered]
        if not missing:
            return None
        years = "、".join(str(y) for y in missing)
        years_en = ", ".join(str(y) for y in missing)
        return (
            f"节假日数据未覆盖 {years} 年：该年的时限按周一至周五估算并标注“估算”。"
            f"请在国务院办公厅发布放假安排后，将其写入 calendar_overrides.toml 或升级 "
            f"chinesecalendar。\n"
            f"No holiday data for {years_en}: deadlines there are estimated on weekdays and "
            f"flagged. Add the State Council's schedule to calendar_overrides.toml or upgrade "
            f"chinesecalendar."
        )

    def _warn_estimated(self, years: Iterable[int]) -> None:
        """Log once per year without data; a long count logs one line for all its years."""
        new = sorted(set(years) - self._warned_years)
        if not new:
            return
        self._warned_years.update(new)
        shown = str(new[0]) if len(new) == 1 else f"{new[0]}-{new[-1]} ({len(new)} years)"
        logger.warning(
            "no holiday data for %s: working days there are estimated (Monday to Friday)", shown
        )


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_WORKING_DAYS:
        raise DateOutOfRange(
            f"工作日数必须在 1 到 {MAX_WORKING_DAYS} 之间，收到：{n!r}",
            f"the number of working days must be 1..{MAX_WORKING_DAYS}, got {n!r}",
        )


def _check_year(day: date) -> None:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise DateOutOfRange(
            f"日期超出支持范围（{MIN_YEAR}–{MAX_YEAR} 年）：{day.isoformat()}",
            f"date outside the supported years {MIN_YEAR}-{MAX_YEAR}: {day.isoformat()}",
        )


def _too_far(day: date, n: int) -> DateOutOfRange:
    return DateOutOfRange(
        f"从 {day.isoformat()} 计 {n} 个工作日超出支持范围",
        f"{n} working days from {day.isoformat()} is outside the supported years",
    )


def load_calendar(overrides: Path | None = None) -> WorkingCalendar:
    """The official calendar with the override file (default: the shipped one)."""
    return WorkingCalendar.official(load_overrides(overrides))


def coverage_warning(today: date, calendar: WorkingCalendar | None = None) -> str | None:
    """Start-up check: a bilingual warning when this year or the next one that a deadline set
    ``today`` can reach has no holiday data (deadlines set in December run into January)."""
    calendar = load_calendar() if calendar is None else calendar
    return calendar.coverage_warning(today)
