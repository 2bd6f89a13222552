"""Plain-data views of measures and units for the edges (CLI JSON, HTTP, bot).

Knowledge returns data, not markup: these dicts are what ``yousu measures --json`` and
``yousu units --json`` print, and what other edges may serialise.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from knowledge.base import KnowledgeBase
from knowledge.model import ONGOING, Deadline, Measure


def deadline_note(deadline: Deadline) -> str:
    """A plan's deadline as an answer should show it, so a date years past does not read as
    "expired": 方案原定 2023年11月 完成 / 方案要求持续推进."""
    written = deadline.raw or deadline.normalized
    if not written:
        return "方案未写明完成时间"
    if ONGOING in written:
        return "方案要求持续推进"
    return f"方案原定 {written} 完成"


def measure_entry(measure: Measure) -> dict[str, Any]:
    """One entry: the 2023 plan's measure or a 2022 indicator (with its parts)."""
    entry: dict[str, Any] = {
        "id": measure.id,
        "doc": measure.doc,
        "section": measure.section,
        "subsection": measure.subsection,
        "number": measure.number,
        "title": measure.title,
        "deadline": measure.deadline.normalized,
        "deadline_raw": measure.deadline.raw,
        "lead_units": list(measure.lead_units),
        "co_units": list(measure.co_units),
        "lead_groups": list(measure.lead_groups),
        "co_groups": list(measure.co_groups),
        "text": measure.text,
        "line": measure.line,
    }
    if measure.parts or measure.problems:
        entry["problems"] = list(measure.problems)
        entry["goals"] = measure.goals
        entry["parts"] = [asdict(part) for part in measure.parts]
    if measure.notes:
        entry["notes"] = list(measure.notes)
    return entry


def unit_entries(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every unit and group with its aliases and the measures it leads."""
    entries = []
    for unit in (*kb.units.all_units(), *kb.units.all_groups()):
        entry: dict[str, Any] = {
            "name": unit.name,
            "kind": unit.kind,
            "aliases": list(unit.aliases),
            "leads": list(kb.units.measures_led_by(unit.name)) if unit.kind == "unit" else [],
        }
        note = kb.units.notes.get(unit.name)
        if note:
            entry["note"] = note
        entries.append(entry)
    return entries
