"""Measures to and from the shipped JSON (stable: sorted keys, pretty, Chinese unescaped)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, cast

from knowledge.model import Deadline, DocId, Measure, MeasurePart, Official


def measure_to_dict(measure: Measure) -> dict[str, Any]:
    return asdict(measure)


def _deadline(raw: dict[str, Any] | None) -> Deadline | None:
    if raw is None:
        return None
    return Deadline(str(raw["raw"]), str(raw["normalized"]), bool(raw.get("year_inferred")))


def measure_from_dict(raw: dict[str, Any]) -> Measure:
    deadline = _deadline(raw["deadline"]) or Deadline("", "")
    parts = tuple(
        MeasurePart(
            number=part["number"],
            text=part["text"],
            units=tuple(part["units"]),
            officials=tuple(Official(o["name"], o.get("phone")) for o in part["officials"]),
            deadline=_deadline(part.get("deadline")),
            units_note=part.get("units_note"),
        )
        for part in raw.get("parts", ())
    )
    return Measure(
        id=raw["id"],
        doc=cast(DocId, raw["doc"]),
        section=raw["section"],
        subsection=raw["subsection"],
        number=raw["number"],
        title=raw["title"],
        text=raw["text"],
        deadline=deadline,
        lead_units=tuple(raw["lead_units"]),
        co_units=tuple(raw.get("co_units", ())),
        lead_groups=tuple(raw.get("lead_groups", ())),
        co_groups=tuple(raw.get("co_groups", ())),
        problems=tuple(raw.get("problems", ())),
        goals=raw.get("goals", ""),
        parts=parts,
        line=int(raw.get("line", 0)),
        notes=tuple(raw.get("notes", ())),
    )


def dumps(value: Any) -> str:
    """The one JSON style of the shipped data files."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def document_payload(
    *,
    doc: str,
    kind: str,
    year: int,
    title: str,
    source: str,
    measures: Sequence[Measure],
    anomalies: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "doc": doc,
        "kind": kind,
        "year": year,
        "title": title,
        "source": source,
        "measures": [measure_to_dict(m) for m in measures],
        "anomalies": list(anomalies),
    }
