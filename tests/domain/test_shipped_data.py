"""The shipped data files load, and the commented examples in them are valid when uncommented
(operators copy them)."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

from bot.domain.calendar import WorkingCalendar, parse_overrides
from bot.domain.service_hours import parse_service_hours
from bot.domain.sla import parse_policies

DATA = Path(__file__).resolve().parents[2] / "bot" / "data"
TOML_LINE = re.compile(r"^# (\[|[a-z_]+ = |\s+\{|\])")


def uncommented(name: str) -> dict[str, object]:
    lines = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        lines.append(line[2:] if TOML_LINE.match(line) else line)
    return tomllib.loads("\n".join(lines))


def test_calendar_override_example_is_valid() -> None:
    overrides = parse_overrides(uncommented("calendar_overrides.toml"))
    assert 2027 in overrides.years
    cal = WorkingCalendar.official(overrides)
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.is_working_day(date(2027, 2, 6))  # the example's make-up Saturday
    assert not cal.is_working_day(date(2026, 12, 24))


def test_service_hours_example_is_valid() -> None:
    hours = parse_service_hours(uncommented("service_hours.toml"))
    assert [p[0].isoformat() for p in hours.periods_for(date(2026, 7, 1))] == [
        "08:30:00",
        "15:00:00",
    ]
    assert [p[0].isoformat() for p in hours.periods_for(date(2026, 11, 2))] == [
        "08:30:00",
        "14:30:00",
    ]


def test_policy_category_example_is_valid() -> None:
    policies, auto_close = parse_policies(uncommented("sla_policies.toml"))
    assert dict(policies["general"].categories["政务服务"]) == {"first_reply": 3, "resolution": 10}
    assert auto_close == 7
