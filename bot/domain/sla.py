"""SLA policies and their deadlines: given a policy and the moment of receipt, when is each
milestone due, and when is the unit warned.

Policies are data (``bot/data/sla_policies.toml``); this module owns their meaning. The working
days come from ``bot.domain.calendar``, service time from ``bot.domain.service_hours``.

How deadlines are counted (the rules the README repeats):

* **Service time** (the ``response`` minute): only the service periods of working days count.
  Received outside service time, the clock starts when service next opens: 12:00:30 -> due
  14:31:00; Friday 18:00 -> Monday 08:31 (or Saturday 08:31 if that Saturday is a make-up
  working day). The warning goes out when ``warn_before_seconds`` of service time are left.
* **Working days**: the day of receipt (local date in the service zone, Asia/Shanghai) never
  counts, as in Chinese procedural law; day 1 is the first working day after it. A deadline
  of N working days **ends at 24:00 local time at the end of the N-th working day** (the
  instant 00:00 of the next calendar day), not at the 17:30 service close. Why 24:00: it is the
  Civil Code's default end of a period's last day (民法典 第二百零三条); it does not move when an
  operator changes service hours or seasons, so a deadline computed today stays the deadline;
  and a unit that answers at 19:00 on the last day has answered on that day. Every day-based
  deadline here (milestones, extensions, auto-close) uses this one rule: ``_end_of_day``.
* **Months**: as the Civil Code (第二百零一至二百零三条): the period ends on the same day
  number N months after receipt (the month's last day when it has none), at 24:00; if that day
  is not a working day, on the next working day.
* **Warnings** for day-based milestones go out when service opens on the first of the last
  ``warn_before_working_days`` working days (1: the morning of the due day), never before
  receipt.
* **Estimated**: a milestone is flagged when a date its computation looked at lies in a year
  without holiday data (weekdays were assumed there).

All datetimes in are timezone-aware (naive ones raise ``NaiveDatetime``); all datetimes out are
aware and in UTC.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.domain.calendar import (
    DEFAULT_COVERAGE_HORIZON,
    MAX_YEAR,
    MIN_YEAR,
    DateOutOfRange,
    WorkingCalendar,
    load_calendar,
)
from bot.domain.data_files import read_toml, validation_detail
from bot.domain.service_hours import ServiceHours, load_service_hours
from bot.errors import InvalidInput, YousuError

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
POLICIES_FILE_NAME = "sla_policies.toml"
SERVICE_HOURS_FILE_NAME = "service_hours.toml"
OVERRIDES_FILE_NAME = "calendar_overrides.toml"

RESPONSE = "response"

_ONE_MICROSECOND = timedelta(microseconds=1)


# --- named errors ------------------------------------------------------------------------------


class UnknownSlaPolicy(YousuError):
    code = "unknown_sla_policy"

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        listed = ", ".join(known)
        super().__init__(
            f"未知的时限政策：{name!r}（可用：{listed}）",
            f"unknown SLA policy {name!r} (known: {listed})",
        )
        self.name = name


class UnknownMilestone(YousuError):
    code = "unknown_milestone"

    def __init__(self, policy: str, name: str, known: tuple[str, ...]) -> None:
        listed = ", ".join(known)
        super().__init__(
            f"时限政策 {policy} 没有节点 {name!r}（可用：{listed}）",
            f"SLA policy {policy} has no milestone {name!r} (known: {listed})",
        )


class ExtensionNotAllowed(YousuError):
    code = "extension_not_allowed"
    http_status = 409

    def __init__(self, policy: str, milestone: str) -> None:
        super().__init__(
            f"时限政策 {policy} 的节点 {milestone} 不允许延期",
            f"SLA policy {policy} allows no extension of {milestone}",
        )


class NaiveDatetime(InvalidInput):
    """A datetime without a time zone: the engine cannot know which instant is meant."""

    code = "naive_datetime"

    def __init__(self, what: tuple[str, str], value: object) -> None:
        super().__init__(
            f"{what[0]}缺少时区（例如 +08:00）：{value}",
            f"{what[1]} has no time zone (e.g. +08:00): {value}",
        )


class SlaDataError(YousuError):
    """The SLA policy file is missing, unreadable or inconsistent."""

    code = "sla_data_error"
    http_status = 500


# --- results (the API in /work/coord/SLA_API.md) -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Milestone:
    name: str
    due: datetime  # aware, UTC
    warn_at: datetime  # aware, UTC; when the unit is warned before a breach
    estimated: bool  # computed on plain weekdays for a year without calendar data


@dataclass(frozen=True, slots=True)
class Schedule:
    policy: str
    start: datetime  # aware, UTC
    milestones: tuple[Milestone, ...]
    estimated: bool  # any milestone estimated

    def milestone(self, name: str) -> Milestone:
        for item in self.milestones:
            if item.name == name:
                return item
        raise UnknownMilestone(self.policy, name, tuple(m.name for m in self.milestones))


# --- policies as data --------------------------------------------------------------------------


class MetBy(StrEnum):
    """Which act of the handling unit stops a milestone's clock."""

    SIGN_OFF = "sign_off"  # 签收 (or any later act): the response minute
    REPLY = "reply"  # a reply to the enterprise; each reply meets the earliest running one
    RESOLVE = "resolve"  # 办结


class Counting(StrEnum):
    SERVICE_SECONDS = "service_seconds"
    WORKING_DAYS = "working_days"
    MONTHS = "months"


@dataclass(frozen=True, slots=True)
class Extension:
    counting: Counting  # WORKING_DAYS or MONTHS
    amount: int
    max: int


@dataclass(frozen=True, slots=True)
class MilestoneRule:
    name: str
    title: str
    counting: Counting
    amount: int
    #: seconds of service time (SERVICE_SECONDS) or working days (the others)
    warn_before: int
    extension: Extension | None = None
    met_by: MetBy = MetBy.REPLY


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    title: str
    source: str
    milestones: tuple[MilestoneRule, ...]
    #: category -> milestone name -> amount replacing the milestone's default
    categories: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def rule(self, name: str) -> MilestoneRule:
        for rule in self.milestones:
            if rule.name == name:
                return rule
        raise UnknownMilestone(self.name, name, tuple(r.name for r in self.milestones))


_MAX_AMOUNT = {
    Counting.SERVICE_SECONDS: 7 * 24 * 3600,
    Counting.WORKING_DAYS: 1_000,
    Counting.MONTHS: 60,
}


class _ExtensionData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    working_days: int | None = Field(default=None, ge=1, le=1_000)
    months: int | None = Field(default=None, ge=1, le=60)
    max: int = Field(default=1, ge=1, le=10)

    @model_validator(mode="after")
    def _one_unit(self) -> _ExtensionData:
        if (self.working_days is None) == (self.months is None):
            raise ValueError("an extension needs exactly one of working_days, months")
        return self


class _MilestoneData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""
    service_seconds: int | None = Field(
        default=None, ge=1, le=_MAX_AMOUNT[Counting.SERVICE_SECONDS]
    )
    working_days: int | None = Field(default=None, ge=1, le=_MAX_AMOUNT[Counting.WORKING_DAYS])
    months: int | None = Field(default=None, ge=1, le=_MAX_AMOUNT[Counting.MONTHS])
    warn_before_seconds: int | None = Field(default=None, ge=0)
    warn_before_working_days: int | None = Field(default=None, ge=0, le=100)
    extension: _ExtensionData | None = None
    met_by: MetBy = MetBy.REPLY

    @model_validator(mode="after")
    def _consistent(self) -> _MilestoneData:
        given = [u for u in Counting if getattr(self, u.value) is not None]
        if len(given) != 1:
            raise ValueError(
                "a milestone needs exactly one of service_seconds, working_days, months"
            )
        if given[0] is Counting.SERVICE_SECONDS:
            if self.warn_before_working_days is not None:
                raise ValueError("a service-time milestone warns with warn_before_seconds")
            if self.extension is not None:
                raise ValueError("a service-time milestone cannot be extended")
        elif self.warn_before_seconds is not None:
            raise ValueError("a day-based milestone warns with warn_before_working_days")
        return self

    def to_rule(self) -> MilestoneRule:
        unit = next(u for u in Counting if getattr(self, u.value) is not None)
        amount = int(getattr(self, unit.value))
        if unit is Counting.SERVICE_SECONDS:
            warn = self.warn_before_seconds or 0
        else:
            warn = self.warn_before_working_days or 0
        extension = None
        if self.extension is not None:
            ext = self.extension
            extension = (
                Extension(Counting.WORKING_DAYS, ext.working_days, ext.max)
                if ext.working_days is not None
                else Extension(Counting.MONTHS, int(ext.months or 0), ext.max)
            )
        return MilestoneRule(
            self.name, self.title or self.name, unit, amount, warn, extension, self.met_by
        )


class _ResponseData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = "响应"
    service_seconds: int = Field(ge=1, le=_MAX_AMOUNT[Counting.SERVICE_SECONDS])
    warn_before_seconds: int = Field(default=0, ge=0)


class _AutoCloseData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    working_days: int = Field(default=7, ge=1, le=1_000)


class _PolicyData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = ""
    source: str = ""
    milestones: list[_MilestoneData] = Field(min_length=1)
    categories: dict[str, dict[str, int]] = {}


class _PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    response: _ResponseData
    auto_close: _AutoCloseData = _AutoCloseData()
    policies: dict[str, _PolicyData] = Field(min_length=1)


def parse_policies(
    raw: Mapping[str, Any], *, source: str = "<policies>"
) -> tuple[dict[str, Policy], int]:
    """Check the parsed TOML of a policy file; return the policies and the auto-close days."""

    def bad(zh: str, en: str) -> SlaDataError:
        return SlaDataError(
            f"时限政策文件有误：{source}：{zh}", f"bad SLA policy file {source}: {en}"
        )

    try:
        data = _PolicyFile.model_validate(raw)
    except ValidationError as exc:
        detail = validation_detail(exc)
        raise bad(detail, detail) from exc
    response = MilestoneRule(
        RESPONSE,
        data.response.title,
        Counting.SERVICE_SECONDS,
        data.response.service_seconds,
        data.response.warn_before_seconds,
        met_by=MetBy.SIGN_OFF,
    )
    policies: dict[str, Policy] = {}
    for name, item in data.policies.items():
        rules = [m.to_rule() for m in item.milestones]
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise bad(f"政策 {name} 的节点重名", f"policy {name} repeats a milestone name")
        if RESPONSE not in names:
            rules.insert(0, response)
        by_name = {r.name: r for r in rules}
        for category, amounts in item.categories.items():
            for milestone, amount in amounts.items():
                rule = by_name.get(milestone)
                if rule is None:
                    raise bad(
                        f"政策 {name} 的类别 {category} 引用了不存在的节点 {milestone}",
                        f"policy {name}, category {category}: no milestone {milestone}",
                    )
                if not 1 <= amount <= _MAX_AMOUNT[rule.counting]:
                    raise bad(
                        f"政策 {name} 的类别 {category} 的 {milestone} 超出范围：{amount}",
                        f"policy {name}, category {category}: {milestone} out of range: {amount}",
                    )
        policies[name] = Policy(
            name=name,
            title=item.title or name,
            source=item.source,
            milestones=tuple(rules),
            categories={c: dict(a) for c, a in item.categories.items()},
        )
    return policies, data.auto_close.working_days


def load_policies(path: Path) -> tuple[dict[str, Policy], int]:
    raw = read_toml(path, SlaDataError, ("时限政策文件", "SLA policy file"))
    return parse_policies(raw, source=str(path))


# --- the engine --------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day number ``months`` later; the month's last day when it has no such day."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


class SlaEngine:
    """Deadlines for complaints: pure computation over a calendar, service hours and policies."""

    def __init__(
        self,
        *,
        calendar: WorkingCalendar,
        service_hours: ServiceHours,
        policies: Mapping[str, Policy],
        auto_close_working_days: int = 7,
    ) -> None:
        if not policies:
            raise SlaDataError("没有任何时限政策", "no SLA policies")
        self.calendar = calendar
        self.service_hours = service_hours
        self.zone = service_hours.zone
        self._policies = dict(policies)
        self._auto_close_days = auto_close_working_days

    # -- queries

    def policy_names(self) -> tuple[str, ...]:
        return tuple(self._policies)

    def policy(self, name: str) -> Policy:
        try:
            return self._policies[name]
        except (KeyError, TypeError):
            raise UnknownSlaPolicy(str(name), self.policy_names()) from None

    def coverage_warning(self, today: date) -> str | None:
        """Start-up check (see ``WorkingCalendar.coverage_warning``): a bilingual warning when
        a deadline set ``today`` can run into a year without holiday data. It looks as far
        ahead as the longest deadline these policies can produce (extensions included), and
        at least ``DEFAULT_COVERAGE_HORIZON``."""
        horizon = max(DEFAULT_COVERAGE_HORIZON, self.longest_span())
        return self.calendar.coverage_warning(today, horizon=horizon)

    def longest_span(self) -> timedelta:
        """A generous upper bound, in calendar days, of the longest deadline any policy can
        produce with all its extensions (working days may cross the Spring Festival)."""

        def days(counting: Counting, amount: int) -> int:
            if counting is Counting.WORKING_DAYS:
                return amount * 7 // 5 + 21
            if counting is Counting.MONTHS:
                return amount * 31 + 10
            return 14  # a service-time clock can wait through a long holiday

        longest = 0
        for policy in self._policies.values():
            for rule in policy.milestones:
                amounts = [rule.amount, *(a.get(rule.name, 0) for a in policy.categories.values())]
                total = days(rule.counting, max(amounts))
                if rule.extension is not None:
                    ext = rule.extension
                    total += days(ext.counting, ext.amount * ext.max)
                longest = max(longest, total)
        return timedelta(days=longest)

    def max_extensions(self, policy: str, milestone: str) -> int:
        """How many approved extensions the milestone allows (0: none)."""
        extension = self.policy(policy).rule(milestone).extension
        return 0 if extension is None else extension.max

    # -- the API

    def schedule(self, policy: str, start: datetime, *, category: str | None = None) -> Schedule:
        """Every milestone of ``policy`` for a complaint received at ``start``. A ``category``
        with its own amounts in the policy data replaces the defaults; others use them."""
        chosen = self.policy(policy)
        start_utc = self._utc(start, ("受理时间", "start"))
        amounts = chosen.categories.get(category, {}) if category is not None else {}
        milestones = tuple(
            self._milestone(rule, start_utc, amounts.get(rule.name, rule.amount))
            for rule in chosen.milestones
        )
        return Schedule(
            policy=chosen.name,
            start=start_utc,
            milestones=milestones,
            estimated=any(m.estimated for m in milestones),
        )

    def extend(
        self, policy: str, milestone: str, due: datetime, working_days: int | None = None
    ) -> Milestone:
        """The milestone after one approved extension of its current ``due``: the policy's
        extension length added to the due day (counted as for the milestone itself).
        ``working_days`` (what the unit asked for) grants less when it is shorter than a
        working-day extension; never more than the policy allows."""
        rule = self.policy(policy).rule(milestone)
        if rule.extension is None:
            raise ExtensionNotAllowed(policy, milestone)
        due_utc = self._utc(due, ("原截止时间", "due"))
        due_day = self._due_day(due_utc)
        if rule.extension.counting is Counting.MONTHS:
            day, estimated = self.calendar.next_working_day(
                add_months(due_day, rule.extension.amount)
            )
        else:
            amount = rule.extension.amount
            if working_days is not None and 0 < working_days < amount:
                amount = working_days
            day, estimated = self.calendar.working_day_after(due_day, amount)
        warn_at, warn_estimated = self._day_warning(day, rule.warn_before, not_before=due_utc)
        return Milestone(
            rule.name, _end_of_day(day, self.zone), warn_at, estimated or warn_estimated
        )

    def auto_close_at(self, resolved_at: datetime) -> datetime:
        """When a resolved complaint closes by itself if the enterprise stays silent: the end
        of the configured N-th working day after the day it was resolved."""
        return self.add_working_days(resolved_at, self._auto_close_days)[0]

    def add_working_days(self, start: datetime, days: int) -> tuple[datetime, bool]:
        """The end (24:00 local) of the ``days``-th working day after the local date of
        ``start``, in UTC, and whether it is estimated."""
        start_utc = self._utc(start, ("起算时间", "start"))
        day, estimated = self.calendar.working_day_after(self._local_date(start_utc), days)
        return _end_of_day(day, self.zone), estimated

    # -- internals

    def _milestone(self, rule: MilestoneRule, start: datetime, amount: int) -> Milestone:
        if rule.counting is Counting.SERVICE_SECONDS:
            hours, calendar = self.service_hours, self.calendar
            due, estimated = hours.add_service_time(start, timedelta(seconds=amount), calendar)
            lead = max(amount - rule.warn_before, 0)
            warn_at, warn_estimated = hours.add_service_time(
                start, timedelta(seconds=lead), calendar
            )
            return Milestone(rule.name, due, warn_at, estimated or warn_estimated)
        received = self._local_date(start)
        if rule.counting is Counting.MONTHS:
            day, estimated = self.calendar.next_working_day(add_months(received, amount))
        else:
            day, estimated = self.calendar.working_day_after(received, amount)
        warn_at, warn_estimated = self._day_warning(day, rule.warn_before, not_before=start)
        return Milestone(
            rule.name, _end_of_day(day, self.zone), warn_at, estimated or warn_estimated
        )

    def _day_warning(
        self, due_day: date, lead: int, *, not_before: datetime
    ) -> tuple[datetime, bool]:
        """Service opening on the first of the last ``lead`` working days up to ``due_day``;
        ``lead`` 0 means no early warning (warn at the deadline)."""
        if lead <= 0:
            return _end_of_day(due_day, self.zone), False
        estimated = False
        warn_day = due_day
        if lead > 1:
            warn_day, estimated = self.calendar.working_day_before(due_day, lead - 1)
        opening = self.service_hours.opening(warn_day).astimezone(UTC)
        return max(opening, not_before), estimated

    def _utc(self, value: datetime, what: tuple[str, str]) -> datetime:
        zh, en = what
        if not isinstance(value, datetime):
            kind = type(value).__name__  # the type, not the value: it may be huge
            raise InvalidInput(
                f"{zh}必须是日期时间，收到 {kind}", f"{en} must be a datetime, got {kind}"
            )
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetime(what, value.isoformat())
        # checked before converting: converting year 1 or 9999 across zones overflows
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise DateOutOfRange(
                f"{zh}超出支持范围（{MIN_YEAR}–{MAX_YEAR} 年）：{value.isoformat()}",
                f"{en} is outside the supported years {MIN_YEAR}-{MAX_YEAR}: {value.isoformat()}",
            )
        return value.astimezone(UTC)

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def _due_day(self, due: datetime) -> date:
        """The day a deadline belongs to: 24:00 (next day 00:00) belongs to the day before."""
        return (due.astimezone(self.zone) - _ONE_MICROSECOND).date()


def _end_of_day(day: date, zone: tzinfo) -> datetime:
    """24:00 local time at the end of ``day`` (the next day's 00:00), in UTC: the one rule
    for the end of every day-based deadline."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def load_sla_engine(
    *,
    overrides: Path | None = None,
    policies: Path | None = None,
    service_hours: Path | None = None,
    data_dir: Path | None = None,
) -> SlaEngine:
    """The engine with the shipped data. ``data_dir`` names a folder whose
    ``calendar_overrides.toml``, ``service_hours.toml`` and ``sla_policies.toml`` replace the
    shipped ones when present; an explicit path for one file wins over both."""

    def pick(explicit: Path | None, name: str) -> Path:
        if explicit is not None:
            return explicit
        if data_dir is not None and (data_dir / name).is_file():
            return data_dir / name
        return DATA_DIR / name

    rules, auto_close = load_policies(pick(policies, POLICIES_FILE_NAME))
    return SlaEngine(
        calendar=load_calendar(pick(overrides, OVERRIDES_FILE_NAME)),
        service_hours=load_service_hours(pick(service_hours, SERVICE_HOURS_FILE_NAME)),
        policies=rules,
        auto_close_working_days=auto_close,
    )
