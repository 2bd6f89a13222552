"""Service hours (服务时间): when the clock of the `response` minute runs.

Service time is the opening periods of working days (from ``bot.domain.calendar``), read from
``bot/data/service_hours.toml``: default periods (08:30–12:00 and 14:30–17:30 Asia/Shanghai)
and optional seasons (e.g. a summer schedule) with their own periods and date ranges. Periods
are half-open: [open, close), so a complaint at 12:00:00 sharp is outside service time.

``add_service_time`` walks forward through service time only: a complaint received outside
service time starts its clock when service next opens (12:00:30 -> due 14:31:00 for one minute).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.domain.calendar import WorkingCalendar
from bot.domain.data_files import read_toml, validation_detail
from bot.errors import YousuError

DEFAULT_SERVICE_HOURS_FILE = Path(__file__).resolve().parents[1] / "data" / "service_hours.toml"

#: give up looking for service time after this many days (no periods configured at all)
_MAX_SCAN_DAYS = 3_700


class ServiceHoursError(YousuError):
    """The service-hours file is missing, unreadable or inconsistent, or has no service time."""

    code = "service_hours_error"
    http_status = 500


class _Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    open: time
    close: time

    @model_validator(mode="after")
    def _ordered(self) -> _Period:
        if self.open.tzinfo is not None or self.close.tzinfo is not None:
            raise ValueError("service hours are local times without an offset")
        if self.close <= self.open:
            raise ValueError(f"period closes before it opens: {self.open}-{self.close}")
        return self


def _check_periods(periods: list[_Period]) -> list[_Period]:
    ordered = sorted(periods, key=lambda p: p.open)
    for before, after in pairwise(ordered):
        if after.open < before.close:
            raise ValueError(f"periods overlap: {before.open}-{before.close} and {after.open}")
    return ordered


class _Season(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = ""
    from_: str = Field(alias="from")
    to: str
    periods: list[_Period] = Field(min_length=1)

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _day_text(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, date) else value

    @field_validator("from_", "to")
    @classmethod
    def _month_day_or_date(cls, value: str) -> str:
        try:
            if len(value) == 5:
                # 2000 is a leap year, so "02-29" is accepted as a month-day
                date.fromisoformat(f"2000-{value}")
            else:
                date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"expected MM-DD or YYYY-MM-DD, got {value!r}") from exc
        return value

    @field_validator("periods")
    @classmethod
    def _periods(cls, value: list[_Period]) -> list[_Period]:
        return _check_periods(value)

    @model_validator(mode="after")
    def _same_form(self) -> _Season:
        if len(self.from_) != len(self.to):
            raise ValueError("`from` and `to` must both be MM-DD or both be YYYY-MM-DD")
        if len(self.from_) == 10 and self.to < self.from_:
            raise ValueError(f"season ends before it starts: {self.from_} .. {self.to}")
        return self

    def contains(self, day: date) -> bool:
        if len(self.from_) == 10:
            return self.from_ <= day.isoformat() <= self.to
        month_day = day.isoformat()[5:]
        if self.from_ <= self.to:
            return self.from_ <= month_day <= self.to
        return month_day >= self.from_ or month_day <= self.to  # wraps the new year


class _ServiceHoursFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zone: str = "Asia/Shanghai"
    periods: list[_Period] = Field(min_length=1)
    season: list[_Season] = []

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("periods")
    @classmethod
    def _periods(cls, value: list[_Period]) -> list[_Period]:
        return _check_periods(value)


Periods = tuple[tuple[time, time], ...]


@dataclass(frozen=True, slots=True)
class _SeasonRule:
    name: str
    season: _Season
    periods: Periods


class ServiceHours:
    """Opening periods per date, and service-time arithmetic on top of a working calendar."""

    def __init__(
        self,
        *,
        zone: ZoneInfo,
        periods: Periods,
        seasons: tuple[_SeasonRule, ...] = (),
    ) -> None:
        self.zone = zone
        self._periods = periods
        self._seasons = seasons
        self._cache: dict[date, Periods] = {}

    def periods_for(self, day: date) -> Periods:
        """Opening periods of ``day`` if it were a working day (the first matching season
        wins, else the default periods)."""
        cached = self._cache.get(day)
        if cached is None:
            cached = self._periods
            for rule in self._seasons:
                if rule.season.contains(day):
                    cached = rule.periods
                    break
            self._cache[day] = cached
        return cached

    def opening(self, day: date) -> datetime:
        """When service opens on ``day`` (local, aware); midnight if it has no periods."""
        periods = self.periods_for(day)
        first = periods[0][0] if periods else time(0)
        return datetime.combine(day, first, tzinfo=self.zone)

    def is_service_time(self, moment: datetime, calendar: WorkingCalendar) -> bool:
        local = moment.astimezone(self.zone)
        if not calendar.is_working_day(local.date()):
            return False
        now = local.time().replace(tzinfo=None)
        return any(start <= now < end for start, end in self.periods_for(local.date()))

    def add_service_time(
        self, start: datetime, duration: timedelta, calendar: WorkingCalendar
    ) -> tuple[datetime, bool]:
        """The moment ``duration`` of service time has passed since ``start`` (aware), in
        UTC, and whether a day examined lies in a year without calendar data. A zero
        duration gives the next moment of service time (``start`` itself if inside)."""
        local = start.astimezone(self.zone)
        remaining = duration
        estimated = False
        day = local.date()
        for _ in range(_MAX_SCAN_DAYS):
            if not calendar.is_covered(day.year):
                estimated = True
            if calendar.is_working_day(day):
                for open_at, close_at in self.periods_for(day):
                    begin = datetime.combine(day, open_at, tzinfo=self.zone)
                    end = datetime.combine(day, close_at, tzinfo=self.zone)
                    begin = max(begin, local)
                    if begin >= end:
                        continue
                    if remaining <= end - begin:
                        return (begin + remaining).astimezone(UTC), estimated
                    remaining -= end - begin
            day += timedelta(days=1)
        raise ServiceHoursError(
            f"{_MAX_SCAN_DAYS} 天内没有服务时间，请检查服务时间配置",
            f"no service time within {_MAX_SCAN_DAYS} days: check the service hours",
        )


def load_service_hours(path: Path | None = None) -> ServiceHours:
    """Read and check a service-hours file (default: the shipped one)."""
    path = DEFAULT_SERVICE_HOURS_FILE if path is None else path
    raw = read_toml(path, ServiceHoursError, ("服务时间文件", "service hours file"))
    return parse_service_hours(raw, source=str(path))


def parse_service_hours(raw: Mapping[str, Any], *, source: str = "<service hours>") -> ServiceHours:
    try:
        data = _ServiceHoursFile.model_validate(raw)
    except ValidationError as exc:
        detail = validation_detail(exc)
        raise ServiceHoursError(
            f"服务时间文件有误：{source}：{detail}",
            f"service hours file is invalid: {source}: {detail}",
        ) from exc
    return ServiceHours(
        zone=ZoneInfo(data.zone),
        periods=tuple((p.open, p.close) for p in data.periods),
        seasons=tuple(
            _SeasonRule(s.name, s, tuple((p.open, p.close) for p in s.periods)) for s in data.season
        ),
    )
