"""The 评价指标整改提升方案 (2022 format): one indicator per heading, with problems, goals
and numbered rectification measures (parts), each followed by a unit block.

The format is loose and the parser says so in the anomaly report: headings numbered
``12、`` instead of ``十二、``, truncated headings, half-width colons, ``责 任 人``, a
``牵头单位`` line, deadlines without a year, ``时间节点`` instead of ``完成时限``, mixed part
numbering （一）/(二)/（2）/1、/一是. A part without its own unit block takes the next block
of the same indicator (the previous one if none follows); an indicator with no unit at all
is resolved from ``knowledge/data/unit_resolutions.json`` or left empty and flagged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

from knowledge.importer.anomalies import Anomaly
from knowledge.importer.fields import parse_deadline, parse_officials, parse_unit_list
from knowledge.importer.plan import clean
from knowledge.model import ONGOING, Deadline, DocId, Measure, MeasurePart, Official
from knowledge.units import UnitRegistry

RESOLUTIONS_FILE = Path(__file__).resolve().parents[1] / "data" / "unit_resolutions.json"

_NUMERALS = "一二三四五六七八九"
_HEADING = re.compile(r"^([一二三四五六七八九十]+|\d+)、\s*(\S.*)$")
_PHASE = re.compile(r"^(主要问题|整改目标|整改措施)\s*[:：]?\s*(.*)$")
_UNITS = re.compile(r"^责\s*任\s*单\s*位\s*[:：]\s*(.*)$")
_LEAD = re.compile(r"^牵\s*头\s*单\s*位\s*[:：]\s*(.*)$")
_OFFICIALS = re.compile(r"^责\s*任\s*人\s*[:：]\s*(.*)$")
_DEADLINE = re.compile(r"^(?:完成时限|时间节点)\s*[:：]\s*(.*)$")
_PAREN = re.compile(r"^[（(]\s*(?:[一二三四五六七八九十]+|\d+)\s*[）)]")
_NUMBERED = re.compile(r"^\d+\s*[、.．]")
_SHI = re.compile(r"^[一二三四五六七八九十]+是")
_PROBLEM_MARK = re.compile(
    r"^(?:[一二三四五六七八九十]+是|\d+\s*[、.．]|[（(][一二三四五六七八九十\d]+[）)])"
)


def chinese_number(text: str) -> int | None:
    """一..九十九 or digits -> int."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _NUMERALS + "十" for ch in text):
        return None
    if "十" not in text:
        return _NUMERALS.index(text) + 1 if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (_NUMERALS.index(tens) + 1 if tens else 1) * 10
    return value + (_NUMERALS.index(ones) + 1 if ones else 0)


@dataclass
class _Part:
    number: str
    line: int
    text: list[str]
    units_raw: str | None = None
    units_line: int = 0
    officials_raw: str | None = None
    deadline_raw: str | None = None
    deadline_line: int = 0
    lead_raw: str | None = None
    lead_line: int = 0

    @property
    def has_block(self) -> bool:
        return any(
            value is not None for value in (self.units_raw, self.officials_raw, self.deadline_raw)
        )


@dataclass
class _Indicator:
    number: int
    marker: str
    heading: str
    title: str
    line: int
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    parts: list[_Part] = field(default_factory=list)
    style: re.Pattern[str] | None = None


def load_resolutions(path: Path = RESOLUTIONS_FILE) -> list[dict[str, Any]]:
    """Hand-made unit assignments for indicators the document leaves without a unit."""
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["resolutions"]
    return data


def parse_rectification(
    lines: Sequence[str],
    registry: UnitRegistry,
    *,
    year: int,
    doc: str,
    resolutions: Sequence[dict[str, Any]] = (),
) -> tuple[list[Measure], list[Anomaly]]:
    indicators = _split(lines)
    measures: list[Measure] = []
    anomalies: list[Anomaly] = []
    for indicator in indicators:
        measures.append(
            _build(
                indicator,
                registry,
                year=year,
                doc=doc,
                resolutions=resolutions,
                anomalies=anomalies,
            )
        )
    return measures, anomalies


def _split(lines: Sequence[str]) -> list[_Indicator]:
    indicators: list[_Indicator] = []
    current: _Indicator | None = None
    phase = ""
    for index, raw in enumerate(lines, start=1):
        line = clean(raw)
        if not line:
            continue
        heading = _HEADING.match(line)
        expected = indicators[-1].number + 1 if indicators else 1
        if heading and ("整改" in line or "指标" in line) and "。" not in line:
            number = chinese_number(heading.group(1))
            if number == expected:
                current = _Indicator(number, heading.group(1), line, heading.group(2), index)
                current.lines.append(line)
                indicators.append(current)
                phase = ""
                continue
        if current is None:
            continue
        current.lines.append(line)
        phase_match = _PHASE.match(line)
        if phase_match:
            phase = phase_match.group(1)
            line = phase_match.group(2).strip()
            if not line:
                continue
        if phase == "主要问题":
            _add_problem(current.problems, line)
        elif phase == "整改目标":
            current.goals.append(line)
        elif phase == "整改措施":
            _add_measure_line(current, line, index)
    return indicators


def _add_problem(problems: list[str], line: str) -> None:
    # A marked line starts a problem; so does any line after a finished sentence (四特邀…);
    # an unmarked line after a heading-like problem (no 。) is that problem's explanation.
    if problems and not _PROBLEM_MARK.match(line) and not problems[-1].endswith(("。", "；", ";")):
        problems[-1] += "\n" + line
    else:
        problems.append(line)


def _add_measure_line(indicator: _Indicator, line: str, index: int) -> None:
    for pattern, attr in (
        (_UNITS, "units"),
        (_LEAD, "lead"),
        (_OFFICIALS, "officials"),
        (_DEADLINE, "deadline"),
    ):
        match = pattern.match(line)
        if match:
            if not indicator.parts:
                indicator.parts.append(_Part("", index, []))
            part = indicator.parts[-1]
            value = match.group(1).strip()
            if attr == "units":
                part.units_raw, part.units_line = value, index
            elif attr == "lead":
                part.lead_raw, part.lead_line = value, index
            elif attr == "officials":
                part.officials_raw = value
            else:
                part.deadline_raw, part.deadline_line = value, index
            return
    if indicator.style is None:
        # the first measure line fixes which numbering marks a new part in this indicator
        for pattern in (_PAREN, _NUMBERED, _SHI):
            if pattern.match(line):
                indicator.style = pattern
                break
    starts = indicator.style is not None and indicator.style.match(line)
    previous = indicator.parts[-1] if indicator.parts else None
    if starts or previous is None or previous.has_block:
        marker = starts.group(0) if starts else ""
        indicator.parts.append(_Part(marker, index, [line]))
    else:
        previous.text.append(line)


def _build(
    indicator: _Indicator,
    registry: UnitRegistry,
    *,
    year: int,
    doc: str,
    resolutions: Sequence[dict[str, Any]],
    anomalies: list[Anomaly],
) -> Measure:
    measure_id = f"{year}-{indicator.number}"
    notes: list[str] = []
    if indicator.marker.isdigit():
        anomalies.append(
            Anomaly(
                "numbering",
                indicator.line,
                measure_id,
                f"标题编号写作“{indicator.marker}、”而非中文数字 / heading numbered in digits",
                f"按顺序识别为第{indicator.number}项 / read as indicator {indicator.number}",
            )
        )
    if not indicator.title.endswith("方案"):
        anomalies.append(
            Anomaly(
                "truncated_heading",
                indicator.line,
                measure_id,
                f"标题“{indicator.title}”不完整 / heading looks truncated",
                "标题按原文保留 / title kept as printed",
            )
        )
        notes.append(f"标题不完整（原文如此）：{indicator.title}")
    parts = _parts(indicator, registry, measure_id, year=year, doc=doc, anomalies=anomalies)
    declared = _declared_leads(indicator, registry, doc)
    if declared:
        notes.append(f"牵头单位：{'、'.join(declared)}（原文单列）")
        anomalies.append(
            Anomaly(
                "declared_lead",
                next(p.lead_line for p in indicator.parts if p.lead_raw),
                measure_id,
                f"单列的“牵头单位”行：{'、'.join(declared)} / a separate 牵头单位 line",
                "列为该指标牵头单位之首，其余为各措施责任单位 / put first in the "
                "indicator's lead units, before its parts' units",
            )
        )
    if not any(part.units for part in parts):
        parts = _resolve_missing(indicator, parts, resolutions, measure_id, anomalies)
    if not any(part.deadline for part in parts):
        anomalies.append(
            Anomaly(
                "missing_deadline",
                indicator.line,
                measure_id,
                "全篇没有“完成时限/时间节点”行 / the indicator has no deadline line",
                "期限留空 / deadline left empty",
            )
        )
    if not parts:
        anomalies.append(
            Anomaly(
                "missing_units",
                indicator.line,
                measure_id,
                "没有找到“整改措施” / no rectification measures found",
                "该指标没有措施与单位 / indicator kept without parts",
            )
        )
    lead: list[str] = list(declared)
    for part in parts:
        lead.extend(unit for unit in part.units if unit not in lead)
    return Measure(
        id=measure_id,
        doc=cast(DocId, doc),
        section=indicator.heading,
        subsection="",
        number=str(indicator.number),
        title=indicator.title,
        text="\n".join(indicator.lines),
        deadline=_indicator_deadline(parts),
        lead_units=tuple(lead),
        problems=tuple(indicator.problems),
        goals="\n".join(indicator.goals),
        parts=tuple(parts),
        line=indicator.line,
        notes=tuple(notes),
    )


def _declared_leads(indicator: _Indicator, registry: UnitRegistry, doc: str) -> list[str]:
    leads: list[str] = []
    for part in indicator.parts:
        if part.lead_raw:
            where = f"{doc} 第{part.lead_line}行 / line {part.lead_line}"
            leads.extend(parse_unit_list(part.lead_raw, registry, where=where).units)
    return leads


def _parts(
    indicator: _Indicator,
    registry: UnitRegistry,
    measure_id: str,
    *,
    year: int,
    doc: str,
    anomalies: list[Anomaly],
) -> list[MeasurePart]:
    raw = indicator.parts
    units: list[tuple[str, ...] | None] = []
    deadlines: list[Deadline | None] = []
    officials: list[tuple[Official, ...] | None] = []
    for part in raw:
        if part.units_raw is not None:
            where = f"{doc} 第{part.units_line}行 / line {part.units_line}"
            units.append(parse_unit_list(part.units_raw, registry, where=where).units)
        else:
            units.append(None)
        officials.append(parse_officials(part.officials_raw) if part.officials_raw else None)
        deadlines.append(_deadline(part, measure_id, year, anomalies))
    result: list[MeasurePart] = []
    # parts that borrowed fields, grouped by what they borrowed from where (one report line)
    borrowers: dict[str, list[_Part]] = {}
    for i, part in enumerate(raw):
        borrowed: list[str] = []
        part_units = _fill(units, i, borrowed, "责任单位", raw)
        part_officials = _fill(officials, i, borrowed, "责任人", raw)
        part_deadline = _fill(deadlines, i, borrowed, "完成时限", raw)
        if borrowed and (part_units is not None or part_deadline is not None):
            borrowers.setdefault("；".join(borrowed), []).append(part)
        units_note = next((b for b in borrowed if b.startswith("责任单位")), None)
        result.append(
            MeasurePart(
                number=part.number,
                text="\n".join(part.text),
                units=part_units or (),
                officials=part_officials or (),
                deadline=part_deadline,
                units_note=units_note if part_units is not None else None,
            )
        )
    for how, parts in borrowers.items():
        numbers = "，".join(p.number or f"第{p.line}行" for p in parts)
        fields = "、".join(b.split("取自")[0] for b in how.split("；"))
        anomalies.append(
            Anomaly(
                "borrowed_block",
                parts[0].line,
                measure_id,
                f"措施 {numbers} 没有自己的{fields} / "
                f"{len(parts)} part(s) without their own unit block",
                f"{how} / taken from the next unit block of the same indicator",
            )
        )
    return result


def _fill(values: list[Any], i: int, borrowed: list[str], label: str, raw: list[_Part]) -> Any:
    """The part's own value, else the next part's in the indicator, else the previous one's."""
    if values[i] is not None:
        return values[i]
    order = list(range(i + 1, len(values))) + list(range(i - 1, -1, -1))
    for j in order:
        if values[j] is not None:
            source = raw[j].number or f"第{raw[j].line}行"
            borrowed.append(f"{label}取自 {source}（第{raw[j].line}行起）")
            return values[j]
    return None


def _deadline(part: _Part, measure_id: str, year: int, anomalies: list[Anomaly]) -> Deadline | None:
    if part.deadline_raw is None:
        return None
    parsed = parse_deadline(part.deadline_raw, year)
    item = f"{measure_id} {part.number}".strip()
    if parsed is None:
        anomalies.append(
            Anomaly(
                "unparsed_deadline",
                part.deadline_line,
                item,
                f"无法识别的完成时限“{part.deadline_raw}” / unreadable deadline",
                "按原文保留 / kept as written",
            )
        )
        return Deadline(raw=part.deadline_raw, normalized=part.deadline_raw)
    if parsed.year_inferred:
        anomalies.append(
            Anomaly(
                "year_less_deadline",
                part.deadline_line,
                item,
                f"完成时限“{parsed.raw}”没有年份 / deadline without a year",
                f"按方案年份（{year}）补为 {parsed.normalized}，标记 year_inferred / "
                f"year {year} taken from the plan",
            )
        )
    return parsed


def _resolve_missing(
    indicator: _Indicator,
    parts: list[MeasurePart],
    resolutions: Sequence[dict[str, Any]],
    measure_id: str,
    anomalies: list[Anomaly],
) -> list[MeasurePart]:
    for resolution in resolutions:
        if resolution.get("title_contains", "\0") in indicator.title:
            units = tuple(resolution["units"])
            note = str(resolution["note"])
            anomalies.append(
                Anomaly(
                    "missing_units",
                    indicator.line,
                    measure_id,
                    f"“{indicator.title}”全篇没有责任单位 / the indicator names no unit",
                    f"按 unit_resolutions.json 指定为 {'、'.join(units)}：{note}",
                )
            )
            return [replace(part, units=units, units_note=note) for part in parts]
    anomalies.append(
        Anomaly(
            "missing_units",
            indicator.line,
            measure_id,
            f"“{indicator.title}”全篇没有责任单位 / the indicator names no unit",
            "未解决：牵头单位留空，需人工在 unit_resolutions.json 中补充 / unresolved",
        )
    )
    return parts


def _indicator_deadline(parts: Sequence[MeasurePart]) -> Deadline:
    """The latest dated deadline of the parts (ongoing only when no part has a date)."""
    dated = [p.deadline for p in parts if p.deadline and p.deadline.normalized[:1].isdigit()]
    if dated:
        return max(dated, key=lambda d: d.normalized)
    if any(p.deadline and p.deadline.normalized == ONGOING for p in parts):
        return Deadline(raw=ONGOING, normalized=ONGOING)
    return Deadline(raw="", normalized="")
