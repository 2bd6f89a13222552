"""SLA policies: milestones per policy, the end-of-day rule, months, extensions, auto-close,
categories, data validation and bad input. Dates are hand-checked (see test_calendar)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import DateOutOfRange
from bot.domain.sla import (
    ExtensionNotAllowed,
    NaiveDatetime,
    SlaDataError,
    SlaEngine,
    UnknownMilestone,
    UnknownSlaPolicy,
    add_months,
    load_policies,
    load_sla_engine,
    parse_policies,
)
from bot.errors import InvalidInput, YousuError

SH = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)  # type: ignore[misc]


def end_of(day: date) -> datetime:
    """24:00 Shanghai at the end of ``day``."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=SH)


def dues(engine: SlaEngine, policy: str, start: datetime) -> dict[str, datetime]:
    return {m.name: m.due for m in engine.schedule(policy, start).milestones}


def test_shipped_policies(engine: SlaEngine) -> None:
    assert engine.policy_names() == ("general", "1330", "procuratorate")
    for name in engine.policy_names():
        names = [m.name for m in engine.schedule(name, at(2026, 11, 25, 10, 0)).milestones]
        assert names[0] == "response"  # part of every policy


def test_general_policy(engine: SlaEngine) -> None:
    got = dues(engine, "general", at(2026, 9, 30, 12, 0, 30))
    assert got == {
        "response": at(2026, 9, 30, 14, 31),
        # working days after 09-30: 10-08, 09, 10 (Sat, make-up), 12, 13 -> 5th is 10-13
        "first_reply": end_of(date(2026, 10, 13)),
        # ... 14, 15, 16, 19, 20, 21, 22, 23, 26, 27 -> 15th is 10-27
        "resolution": end_of(date(2026, 10, 27)),
    }


def test_1330_policy_across_national_day(engine: SlaEngine) -> None:
    got = dues(engine, "1330", at(2026, 9, 30, 10, 0))
    assert got == {
        "response": at(2026, 9, 30, 10, 1),
        "contact": end_of(date(2026, 10, 8)),
        "feedback": end_of(date(2026, 10, 10)),  # the make-up Saturday is day 3
        # October after the holiday has 18 working days (10-10 included), then 5 + 5 + 2
        "approval": end_of(date(2026, 11, 17)),
    }


def test_1330_policy_across_spring_festival(engine: SlaEngine) -> None:
    got = dues(engine, "1330", at(2026, 2, 13, 16, 0))  # Friday
    assert got["contact"] == end_of(date(2026, 2, 14))  # make-up Saturday
    assert got["feedback"] == end_of(date(2026, 2, 25))


def test_year_crossing_onto_a_make_up_sunday(engine: SlaEngine) -> None:
    got = dues(engine, "1330", at(2025, 12, 31, 9, 0))
    assert got["contact"] == end_of(date(2026, 1, 4))
    assert got["feedback"] == end_of(date(2026, 1, 6))


def test_procuratorate_month(engine: SlaEngine) -> None:
    got = dues(engine, "procuratorate", at(2026, 9, 15, 10, 0))
    assert got["notice"] == end_of(date(2026, 9, 16))
    assert got["reply"] == end_of(date(2026, 10, 15))


def test_procuratorate_month_ending_on_a_holiday_moves_to_next_working_day(
    engine: SlaEngine,
) -> None:
    got = dues(engine, "procuratorate", at(2026, 9, 1, 10, 0))
    assert got["reply"] == end_of(date(2026, 10, 8))  # 10-01 is National Day


def test_procuratorate_month_without_corresponding_day(engine: SlaEngine) -> None:
    # 01-31 + 1 month -> 02-28, a Saturday that is a make-up working day in 2026
    got = dues(engine, "procuratorate", at(2026, 1, 31, 10, 0))
    assert got["reply"] == end_of(date(2026, 2, 28))


def test_procuratorate_extension_adds_a_month(engine: SlaEngine) -> None:
    reply = engine.schedule("procuratorate", at(2026, 9, 1, 10, 0)).milestone("reply")
    extended = engine.extend("procuratorate", "reply", reply.due)
    # 10-08 + 1 month = 11-08, a Sunday -> Monday 11-09
    assert extended.due == end_of(date(2026, 11, 9))
    assert extended.name == "reply"
    assert extended.warn_at == at(2026, 11, 9, 8, 30)
    assert engine.max_extensions("procuratorate", "reply") == 1


def test_general_resolution_extension(engine: SlaEngine) -> None:
    extended = engine.extend("general", "resolution", end_of(date(2026, 10, 27)))
    # 15 working days after 10-27: 28, 29, 30, 11-02..06, 09..13, 16, 17 -> 11-17
    assert extended.due == end_of(date(2026, 11, 17))
    # a due given as a time of day belongs to that day
    same = engine.extend("general", "resolution", at(2026, 10, 27, 15, 0))
    assert same.due == extended.due


@pytest.mark.parametrize(
    ("policy", "milestone"),
    [
        ("1330", "contact"),
        ("1330", "approval"),
        ("general", "response"),
        ("general", "first_reply"),
    ],
)
def test_extension_refused_where_the_policy_allows_none(
    engine: SlaEngine, policy: str, milestone: str
) -> None:
    with pytest.raises(ExtensionNotAllowed) as info:
        engine.extend(policy, milestone, at(2026, 10, 9, 0, 0))
    assert info.value.zh and info.value.en
    assert engine.max_extensions(policy, milestone) == 0


def test_unknown_milestone(engine: SlaEngine) -> None:
    with pytest.raises(UnknownMilestone):
        engine.extend("general", "lunch", at(2026, 10, 9, 0, 0))
    with pytest.raises(UnknownMilestone):
        engine.schedule("general", at(2026, 10, 9, 10, 0)).milestone("lunch")


def test_day_based_warnings_go_out_when_service_opens_on_the_last_day(engine: SlaEngine) -> None:
    schedule = engine.schedule("1330", at(2026, 9, 30, 10, 0))
    assert schedule.milestone("contact").warn_at == at(2026, 10, 8, 8, 30)
    assert schedule.milestone("feedback").warn_at == at(2026, 10, 10, 8, 30)


def test_warning_never_before_receipt(write_file: Callable[[str, str], Path]) -> None:
    policies = write_file(
        "p.toml",
        """
[response]
service_seconds = 60
warn_before_seconds = 90
[policies.fast]
milestones = [ { name = "contact", working_days = 1, warn_before_working_days = 3 } ]
""",
    )
    engine = load_sla_engine(policies=policies)
    start = at(2026, 11, 25, 10, 0)
    schedule = engine.schedule("fast", start)
    assert schedule.milestone("contact").warn_at == start
    assert schedule.milestone("response").warn_at == start  # lead longer than the minute


def test_auto_close(engine: SlaEngine) -> None:
    # 7 working days after Monday 09-28: 29, 30, 10-08, 09, 10, 12, 13
    assert engine.auto_close_at(at(2026, 9, 28, 16, 0)) == end_of(date(2026, 10, 13))


def test_add_working_days(engine: SlaEngine) -> None:
    assert engine.add_working_days(at(2026, 9, 30, 23, 59), 1) == (end_of(date(2026, 10, 8)), False)
    # 23:30 UTC on 09-30 is 07:30 on 10-01 in Shanghai: the receipt day is 10-01
    late = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    assert engine.add_working_days(late, 1) == (end_of(date(2026, 10, 8)), False)
    assert engine.add_working_days(at(2026, 12, 31, 10, 0), 1) == (end_of(date(2027, 1, 1)), True)


def test_results_are_utc(engine: SlaEngine) -> None:
    schedule = engine.schedule(
        "general", datetime(2026, 9, 30, 0, 0, tzinfo=ZoneInfo("Europe/Paris"))
    )
    assert schedule.start.tzinfo is UTC
    for milestone in schedule.milestones:
        assert milestone.due.utcoffset() == timedelta(0)
        assert milestone.warn_at.utcoffset() == timedelta(0)
        assert milestone.warn_at <= milestone.due
    assert engine.auto_close_at(at(2026, 9, 28, 16, 0)).utcoffset() == timedelta(0)


def test_estimated_flag_for_an_uncovered_year(engine: SlaEngine) -> None:
    schedule = engine.schedule("general", at(2027, 3, 1, 10, 0))
    assert schedule.estimated
    assert all(m.estimated for m in schedule.milestones)
    covered = engine.schedule("general", at(2026, 3, 2, 10, 0))
    assert not covered.estimated
    # December 2026: the response minute is known, the day-based deadlines run into 2027
    december = engine.schedule("general", at(2026, 12, 28, 10, 0))
    assert not december.milestone("response").estimated
    assert december.milestone("resolution").estimated
    assert december.estimated


def test_fake_year_in_the_override_file_is_not_estimated(
    write_file: Callable[[str, str], Path],
) -> None:
    overrides = write_file(
        "calendar_overrides.toml",
        "[[year]]\nyear = 2027\nholidays = [{ from = 2027-01-01, to = 2027-01-07 }]\n",
    )
    engine = load_sla_engine(overrides=overrides)
    got = engine.schedule("1330", at(2026, 12, 31, 10, 0))
    assert got.milestone("contact").due == end_of(date(2027, 1, 8))
    assert not got.estimated
    # the same through a data folder
    engine = load_sla_engine(data_dir=overrides.parent)
    assert engine.schedule("1330", at(2026, 12, 31, 10, 0)).milestone("contact").due == end_of(
        date(2027, 1, 8)
    )


def test_categories_replace_default_amounts(write_file: Callable[[str, str], Path]) -> None:
    text = (Path(__file__).resolve().parents[2] / "bot" / "data" / "sla_policies.toml").read_text(
        encoding="utf-8"
    )
    text += '\n[policies.general.categories."政务服务"]\nfirst_reply = 3\n'
    engine = load_sla_engine(policies=write_file("p.toml", text))
    start = at(2026, 11, 25, 10, 0)  # Wednesday
    fast = engine.schedule("general", start, category="政务服务")
    usual = engine.schedule("general", start, category="其他")
    assert fast.milestone("first_reply").due == end_of(date(2026, 11, 30))
    assert usual.milestone("first_reply").due == end_of(date(2026, 12, 2))
    assert fast.milestone("resolution").due == usual.milestone("resolution").due


def test_unknown_policy_is_a_named_error(engine: SlaEngine) -> None:
    with pytest.raises(UnknownSlaPolicy) as info:
        engine.schedule("gerneral", at(2026, 11, 25, 10, 0))
    assert isinstance(info.value, YousuError)
    assert "general" in info.value.en  # lists the known ones
    with pytest.raises(UnknownSlaPolicy):
        engine.extend("nope", "reply", at(2026, 11, 25, 10, 0))


@pytest.mark.parametrize(
    "call",
    [
        lambda e, t: e.schedule("general", t),
        lambda e, t: e.add_working_days(t, 1),
        lambda e, t: e.auto_close_at(t),
        lambda e, t: e.extend("procuratorate", "reply", t),
    ],
)
def test_naive_datetimes_are_refused(engine: SlaEngine, call: Any) -> None:
    with pytest.raises(NaiveDatetime) as info:
        call(engine, datetime(2026, 11, 25, 10, 0))
    assert isinstance(info.value, InvalidInput)
    assert "时区" in info.value.zh and "time zone" in info.value.en


def test_other_bad_input(engine: SlaEngine) -> None:
    with pytest.raises(InvalidInput):
        engine.schedule("general", date(2026, 11, 25))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        engine.schedule("general", "2026-11-25T10:00+08:00")  # type: ignore[arg-type]
    with pytest.raises(DateOutOfRange):
        engine.schedule("general", datetime(9999, 12, 31, 23, 0, tzinfo=UTC))
    with pytest.raises(DateOutOfRange):
        engine.schedule("general", datetime(1, 1, 1, 0, 0, tzinfo=SH))
    with pytest.raises(DateOutOfRange):
        engine.add_working_days(at(2026, 11, 25, 10, 0), 0)
    with pytest.raises(DateOutOfRange):
        engine.add_working_days(at(2026, 11, 25, 10, 0), 10**9)


def test_add_months() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 31), 24) == date(2028, 3, 31)


# --- the policy file ---------------------------------------------------------------------------

GOOD_RESPONSE = {"service_seconds": 60, "warn_before_seconds": 30}


def policy_file(**policy: Any) -> dict[str, Any]:
    return {"response": GOOD_RESPONSE, "policies": {"p": policy}}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"policies": {"p": {"milestones": [{"name": "a", "working_days": 1}]}}}, "response"),
        ({"response": GOOD_RESPONSE, "policies": {}}, "policies"),
        (policy_file(milestones=[]), "milestones"),
        (policy_file(milestones=[{"name": "a"}]), "one of"),
        (policy_file(milestones=[{"name": "a", "working_days": 1, "months": 1}]), "one of"),
        (policy_file(milestones=[{"name": "a", "working_days": 0}]), "working_days"),
        (policy_file(milestones=[{"name": "a", "working_days": 10**6}]), "working_days"),
        (policy_file(milestones=[{"name": "A b", "working_days": 1}]), "name"),
        (
            policy_file(
                milestones=[{"name": "a", "service_seconds": 60, "extension": {"months": 1}}]
            ),
            "cannot be extended",
        ),
        (
            policy_file(milestones=[{"name": "a", "working_days": 1, "extension": {"max": 1}}]),
            "exactly one",
        ),
        (
            policy_file(milestones=[{"name": "a", "working_days": 1, "warn_before_seconds": 5}]),
            "warn_before_working_days",
        ),
        (
            policy_file(milestones=[{"name": "a", "working_days": 1}, {"name": "a", "months": 1}]),
            "repeats",
        ),
        (
            policy_file(milestones=[{"name": "a", "working_days": 1}], categories={"c": {"b": 2}}),
            "no milestone b",
        ),
        (
            policy_file(milestones=[{"name": "a", "working_days": 1}], categories={"c": {"a": 0}}),
            "out of range",
        ),
        (policy_file(milestones=[{"name": "a", "working_days": 1}], colour="red"), "colour"),
    ],
)
def test_bad_policy_data_is_a_named_error(raw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(SlaDataError) as info:
        parse_policies(raw)
    assert fragment in info.value.en


def test_bad_policy_files(write_file: Callable[[str, str], Path], tmp_path: Path) -> None:
    with pytest.raises(SlaDataError, match="not found"):
        load_policies(tmp_path / "missing.toml")
    with pytest.raises(SlaDataError, match="unreadable"):
        load_policies(write_file("bad.toml", "[policies\n"))


def test_a_policy_may_define_its_own_response(write_file: Callable[[str, str], Path]) -> None:
    policies = write_file(
        "p.toml",
        """
[response]
service_seconds = 60
[policies.slow]
milestones = [ { name = "response", service_seconds = 300 } ]
""",
    )
    engine = load_sla_engine(policies=policies)
    due = engine.schedule("slow", at(2026, 11, 25, 10, 0)).milestone("response").due
    assert due == at(2026, 11, 25, 10, 5)


def test_engine_coverage_warning(engine: SlaEngine) -> None:
    warning = engine.coverage_warning(date(2026, 12, 1))
    assert warning is not None and "2027" in warning
    assert engine.coverage_warning(date(2026, 4, 1)) is None


def test_coverage_horizon_follows_the_longest_policy(
    write_file: Callable[[str, str], Path],
) -> None:
    policies = write_file(
        "p.toml",
        """
[response]
service_seconds = 60
[policies.long]
milestones = [ { name = "approval", working_days = 200 } ]
""",
    )
    engine = load_sla_engine(policies=policies)
    assert engine.longest_span() >= timedelta(days=280)
    # in April a 200-working-day deadline already reaches 2027
    warning = engine.coverage_warning(date(2026, 4, 1))
    assert warning is not None and "2027" in warning
