"""The plans as plain, immutable data: measures, their deadlines and units.

This is the contract between the importer (which produces it from plan documents), the
shipped data files (which store it as JSON), and search and routing (which read it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DocId = Literal["2023-plan", "2022-rectification"]

#: deadline written as "持续推进" (ongoing): no date
ONGOING = "持续推进"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline as written in the plan, and normalised.

    ``normalized`` is ``YYYY-MM`` (or ``YYYY-MM-DD`` when the plan gives a day), or
    ``持续推进`` for ongoing measures. ``year_inferred`` is true when the plan left out the
    year (``12月20日``) and the importer took it from the plan's own year.
    """

    raw: str
    normalized: str
    year_inferred: bool = False


@dataclass(frozen=True, slots=True)
class Official:
    """A person a 2022 indicator names as responsible (责任人), with a phone when printed."""

    name: str
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class MeasurePart:
    """One numbered rectification measure (整改措施) inside a 2022 indicator."""

    number: str
    text: str
    units: tuple[str, ...]
    officials: tuple[Official, ...] = ()
    deadline: Deadline | None = None
    #: why units were assigned when the document gave none (e.g. 信用环境)
    units_note: str | None = None


@dataclass(frozen=True, slots=True)
class Measure:
    """A numbered measure of the 2023 plan, or a whole indicator of the 2022 plan.

    ``lead_units`` and ``co_units`` are canonical unit names in the plan's order; group
    names such as 各镇办 or 区直相关部门 are kept apart in ``lead_groups``/``co_groups``.
    For a 2022 indicator the lead units are the union of its parts' units, in order.
    """

    id: str
    doc: DocId
    section: str
    subsection: str
    number: str
    title: str
    text: str
    deadline: Deadline
    lead_units: tuple[str, ...]
    co_units: tuple[str, ...] = ()
    lead_groups: tuple[str, ...] = ()
    co_groups: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    goals: str = ""
    parts: tuple[MeasurePart, ...] = ()
    #: the source document's line number where the measure starts (1-based)
    line: int = 0
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Unit:
    """A canonical unit (or a group of units) and every name it appears under."""

    name: str
    aliases: tuple[str, ...]
    kind: Literal["unit", "group"] = "unit"
