"""Anomalies the importer meets in a document, and the printed report of them.

An anomaly never silently changes the data: each says what was found, where, and what the
importer did about it (its resolution), so a reviewer can check every decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

#: anomaly kinds, in the order the report lists them
KINDS: tuple[str, ...] = (
    "duplicate_number",
    "missing_deadline",
    "missing_units",
    "borrowed_block",
    "declared_lead",
    "unknown_unit",
    "year_less_deadline",
    "off_year_deadline",
    "numbering",
    "truncated_heading",
    "stray_fragment",
    "unparsed_deadline",
)


@dataclass(frozen=True, slots=True)
class Anomaly:
    """Something odd in a document: what, where (1-based line), and how it was resolved."""

    kind: str
    line: int
    item: str
    detail: str
    resolution: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Anomaly:
        return cls(
            kind=str(raw["kind"]),
            line=int(raw["line"]),
            item=str(raw["item"]),
            detail=str(raw["detail"]),
            resolution=str(raw["resolution"]),
        )


def _order(anomaly: Anomaly) -> tuple[int, int]:
    rank = KINDS.index(anomaly.kind) if anomaly.kind in KINDS else len(KINDS)
    return (rank, anomaly.line)


def format_report(doc: str, anomalies: Iterable[Anomaly]) -> str:
    """A plain-text report, grouped by kind, one anomaly per line."""
    items = sorted(anomalies, key=_order)
    lines = [f"异常报告 / anomaly report: {doc} ({len(items)})"]
    if not items:
        lines.append("  无异常 / no anomalies")
    for anomaly in items:
        where = f"第{anomaly.line}行/line {anomaly.line}" if anomaly.line else "-"
        lines.append(f"  [{anomaly.kind}] {where} {anomaly.item}: {anomaly.detail}")
        lines.append(f"      -> {anomaly.resolution}")
    return "\n".join(lines)
