"""Property tests of the working-day arithmetic (hypothesis).

Starts are drawn both at random over 2004-2030 (covered and estimated years) and near the
hard places: year ends, Spring Festival, National Day with its make-up Saturday, and so on.
The oracle for counting is a plain day-by-day walk over ``is_working_day``, independent of the
per-year tables the engine uses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.calendar import WorkingCalendar, load_calendar
from bot.domain.sla import SlaEngine, load_sla_engine

SH = ZoneInfo("Asia/Shanghai")
ENGINE: SlaEngine = load_sla_engine()
CAL: WorkingCalendar = ENGINE.calendar

ZONES: list[tzinfo] = [UTC, SH, ZoneInfo("America/New_York"), ZoneInfo("Pacific/Kiritimati")]

#: hard places: year ends, Spring Festivals, National Days, make-up Saturdays and Sundays
ANCHORS = [
    date(2025, 12, 31),
    date(2026, 12, 31),
    date(2024, 2, 9),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 9, 30),
    date(2026, 10, 10),
    date(2025, 10, 11),
    date(2020, 1, 24),  # the Spring Festival extended in 2020
]

random_starts = st.datetimes(
    min_value=datetime(2004, 1, 1),
    max_value=datetime(2030, 12, 31),
    timezones=st.sampled_from(ZONES),
)


@st.composite
def anchored_starts(draw: st.DrawFn) -> datetime:
    anchor = draw(st.sampled_from(ANCHORS))
    offset = draw(st.integers(min_value=-10, max_value=10))
    seconds = draw(st.integers(min_value=0, max_value=86_399))
    local = datetime.combine(anchor + timedelta(days=offset), datetime.min.time(), tzinfo=SH)
    return (local + timedelta(seconds=seconds)).astimezone(draw(st.sampled_from(ZONES)))


starts = st.one_of(random_starts, anchored_starts())
counts = st.integers(min_value=1, max_value=80)


def due_day(due: datetime) -> date:
    """The day a 24:00 deadline belongs to."""
    return (due.astimezone(SH) - timedelta(microseconds=1)).date()


def walk(received: date, n: int) -> date:
    day = received
    while n:
        day += timedelta(days=1)
        if CAL.is_working_day(day):
            n -= 1
    return day


@settings(max_examples=300, deadline=None)
@given(starts, counts)
def test_due_is_end_of_a_working_day(start: datetime, n: int) -> None:
    due, _ = ENGINE.add_working_days(start, n)
    local = due.astimezone(SH)
    assert local.time() == datetime.min.time()  # 24:00, i.e. next day 00:00
    assert CAL.is_working_day(due_day(due))
    assert due > start


@settings(max_examples=300, deadline=None)
@given(starts, counts)
def test_counting_matches_a_day_by_day_walk(start: datetime, n: int) -> None:
    due, estimated = ENGINE.add_working_days(start, n)
    received = start.astimezone(SH).date()
    assert due_day(due) == walk(received, n)
    span_years = range(received.year, due_day(due).year + 1)
    if estimated:
        assert any(not CAL.is_covered(y) for y in span_years)
    elif all(CAL.is_covered(y) for y in span_years):
        assert not estimated


@settings(max_examples=300, deadline=None)
@given(starts, counts)
def test_n_plus_one_is_later(start: datetime, n: int) -> None:
    assert ENGINE.add_working_days(start, n + 1)[0] > ENGINE.add_working_days(start, n)[0]


@settings(max_examples=300, deadline=None)
@given(starts, starts, st.sampled_from(["general", "1330", "procuratorate"]))
def test_monotone_in_start_time(a: datetime, b: datetime, policy: str) -> None:
    early, late = sorted([a, b])
    first = ENGINE.schedule(policy, early)
    second = ENGINE.schedule(policy, late)
    for x, y in zip(first.milestones, second.milestones, strict=True):
        assert x.name == y.name
        assert x.due <= y.due
        assert x.warn_at <= y.warn_at


@settings(max_examples=300, deadline=None)
@given(starts, st.sampled_from(["general", "1330", "procuratorate"]))
def test_every_milestone_after_start_and_warned_before_due(start: datetime, policy: str) -> None:
    schedule = ENGINE.schedule(policy, start)
    for milestone in schedule.milestones:
        assert start < milestone.due
        assert start <= milestone.warn_at <= milestone.due
        if milestone.name != "response":
            assert CAL.is_working_day(due_day(milestone.due))
    assert schedule.estimated == any(m.estimated for m in schedule.milestones)


@settings(max_examples=300, deadline=None)
@given(starts)
def test_response_minute_ends_in_service_time(start: datetime) -> None:
    response = ENGINE.schedule("general", start).milestone("response")
    assert response.due >= start + timedelta(minutes=1)
    # the last second consumed is service time on a working day
    assert ENGINE.service_hours.is_service_time(response.due - timedelta(microseconds=1), CAL)
    local = start.astimezone(SH)
    if CAL.is_working_day(local.date()):
        now = local.time()
        for open_at, close_at in ENGINE.service_hours.periods_for(local.date()):
            end = (datetime.combine(local.date(), now) + timedelta(minutes=1)).time()
            if open_at <= now < end <= close_at:
                assert response.due == start + timedelta(minutes=1)  # nothing stretched it


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31)), counts)
def test_before_undoes_after(day: date, n: int) -> None:
    after, _ = CAL.working_day_after(day, n)
    before, _ = CAL.working_day_before(after, n)
    assert before <= day
    assert CAL.working_day_after(before, n)[0] == after


@settings(max_examples=200, deadline=None)
@given(starts)
def test_extension_is_later_and_on_a_working_day(start: datetime) -> None:
    reply = ENGINE.schedule("procuratorate", start).milestone("reply")
    extended = ENGINE.extend("procuratorate", "reply", reply.due)
    assert extended.due > reply.due + timedelta(days=27)
    assert CAL.is_working_day(due_day(extended.due))


def test_a_fresh_calendar_agrees_with_the_cached_one() -> None:
    fresh = load_calendar()
    day = date(2025, 12, 1)
    for _ in range(120):
        assert fresh.is_working_day(day) == CAL.is_working_day(day)
        day += timedelta(days=1)


some_dates = st.sets(
    st.dates(min_value=date(2026, 11, 1), max_value=date(2028, 2, 28)), max_size=60
)


@settings(max_examples=150, deadline=None)
@given(
    some_dates,
    some_dates,
    st.dates(min_value=date(2026, 10, 1), max_value=date(2027, 12, 31)),
    st.integers(min_value=1, max_value=300),
)
def test_counting_on_arbitrary_calendar_data(
    holidays: set[date], workdays: set[date], received: date, n: int
) -> None:
    """Any holiday data (long breaks, weekend make-up days, year ends) counts like a walk."""
    cal = WorkingCalendar(
        holidays=dict.fromkeys(holidays - workdays, "h"),
        workdays=dict.fromkeys(workdays, "w"),
        covered_years={2026, 2027},
    )
    got, estimated = cal.working_day_after(received, n)
    day, left = received, n
    while left:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            left -= 1
    assert got == day
    assert estimated == (got.year >= 2028)
    assert cal.working_day_after(cal.working_day_before(got, n)[0], n)[0] == got
