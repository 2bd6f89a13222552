"""The yearly 优化营商环境实施方案 (2023 format): sections, subsections, numbered measures.

Layout: ``三、主要内容`` holds sections ``（一）…``, subsections ``1．…`` and measures ``（n）…``,
each measure followed by ``时间节点：…`` (sometimes on the measure's own line) and
``责任单位：X牵头，Y配合``. ``四、保障措施`` ends the measures. Numbers may repeat (45–47
occur under subsections 13 and 14): the second occurrence gets the id suffix ``b``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from knowledge.importer.anomalies import Anomaly
from knowledge.importer.fields import UnitList, parse_deadline, parse_responsibility
from knowledge.model import Deadline, DocId, Measure
from knowledge.units import UnitRegistry

_TOP = re.compile(r"^[一二三四五六七八九十]+、(.+)$")
_SECTION = re.compile(r"^（[一二三四五六七八九十]+）\S.*$")
_SUBSECTION = re.compile(r"^\d+[．.]\S.*$")
_MEASURE = re.compile(r"^（(\d+)）(.*)$")
_DEADLINE_FIELD = re.compile(r"时间节点\s*[:：]\s*(.*)$")
_UNITS_FIELD = re.compile(r"^责\s*任\s*单\s*位\s*[:：]\s*(.*)$")
_SUFFIXES = "bcdefgh"


def clean(line: str) -> str:
    """A line without outer plain or full-width spaces."""
    return line.strip(" \t\u3000\u00a0\r")


def title_of(text: str) -> str:
    """The text before the first 。 (the measure's own heading)."""
    return text.split("。", 1)[0].strip()


@dataclass
class _Draft:
    number: str
    line: int
    section: str
    subsection: str
    text: list[str]
    deadline_raw: str | None = None
    deadline_line: int = 0
    units_raw: str | None = None
    units_line: int = 0
    extra: list[str] = field(default_factory=list)


def parse_plan(
    lines: Sequence[str], registry: UnitRegistry, *, year: int, doc: str
) -> tuple[list[Measure], list[Anomaly]]:
    drafts: list[_Draft] = []
    in_main = False
    section = subsection = ""
    current: _Draft | None = None
    for index, raw in enumerate(lines, start=1):
        line = clean(raw)
        if not line:
            continue
        top = _TOP.match(line)
        if top:
            in_main = "主要内容" in top.group(1)
            current = None
            continue
        if not in_main:
            continue
        measure = _MEASURE.match(line)
        if measure:
            current = _Draft(measure.group(1), index, section, subsection, [])
            drafts.append(current)
            rest = measure.group(2)
            inline = _DEADLINE_FIELD.search(rest)
            if inline:  # measure 40: 时间节点 written on the measure's own line
                current.deadline_raw, current.deadline_line = inline.group(1), index
                rest = rest[: inline.start()]
            current.text.append(clean(rest))
            continue
        if _SECTION.match(line):
            section, subsection, current = line, "", None
            continue
        if _SUBSECTION.match(line):
            subsection, current = line, None
            continue
        if current is None:
            continue  # a section's introduction
        deadline = _DEADLINE_FIELD.match(line)
        units = _UNITS_FIELD.match(line)
        if deadline:
            current.deadline_raw, current.deadline_line = deadline.group(1), index
        elif units:
            current.units_raw, current.units_line = units.group(1), index
        elif current.deadline_raw is None and current.units_raw is None:
            current.text.append(line)
    return _finish(drafts, registry, year=year, doc=doc)


def _finish(
    drafts: list[_Draft], registry: UnitRegistry, *, year: int, doc: str
) -> tuple[list[Measure], list[Anomaly]]:
    measures: list[Measure] = []
    anomalies: list[Anomaly] = []
    seen: dict[str, list[_Draft]] = {}
    for draft in drafts:
        earlier = seen.setdefault(draft.number, [])
        suffix = _SUFFIXES[len(earlier) - 1] if earlier else ""
        earlier.append(draft)
        measure_id = f"{year}-{draft.number}{suffix}"
        if suffix:
            first = earlier[0]
            anomalies.append(
                Anomaly(
                    "duplicate_number",
                    draft.line,
                    measure_id,
                    f"编号（{draft.number}）重复：第{first.line}行在“{first.subsection}”下，"
                    f"此处在“{draft.subsection}”下 / number {draft.number} printed twice",
                    f"两条都保留，后者编号为 {measure_id} / both kept, the later one as "
                    f"{measure_id}",
                )
            )
        text = "".join(draft.text)
        deadline = _deadline(draft, measure_id, year, anomalies)
        lead, co = _units(draft, measure_id, doc, registry, anomalies)
        measures.append(
            Measure(
                id=measure_id,
                doc=cast(DocId, doc),
                section=draft.section,
                subsection=draft.subsection,
                number=draft.number,
                title=title_of(text),
                text=text,
                deadline=deadline,
                lead_units=lead.units,
                co_units=co.units,
                lead_groups=lead.groups,
                co_groups=co.groups,
                line=draft.line,
            )
        )
    return measures, anomalies


def _deadline(draft: _Draft, measure_id: str, year: int, anomalies: list[Anomaly]) -> Deadline:
    if draft.deadline_raw is None:
        anomalies.append(
            Anomaly(
                "missing_deadline",
                draft.line,
                measure_id,
                "没有“时间节点”行 / no 时间节点 line",
                "期限留空 / deadline left empty",
            )
        )
        return Deadline(raw="", normalized="")
    parsed = parse_deadline(draft.deadline_raw, year)
    if parsed is None:
        anomalies.append(
            Anomaly(
                "unparsed_deadline",
                draft.deadline_line,
                measure_id,
                f"无法识别的时间节点“{draft.deadline_raw}” / unreadable deadline",
                "按原文保留 / kept as written",
            )
        )
        return Deadline(raw=clean(draft.deadline_raw), normalized=clean(draft.deadline_raw))
    if parsed.year_inferred:
        anomalies.append(
            Anomaly(
                "year_less_deadline",
                draft.deadline_line,
                measure_id,
                f"时间节点“{parsed.raw}”没有年份 / deadline without a year",
                f"按方案年份补为 {parsed.normalized} / year taken from the plan",
            )
        )
    elif parsed.normalized[:4].isdigit() and int(parsed.normalized[:4]) != year:
        anomalies.append(
            Anomaly(
                "off_year_deadline",
                draft.deadline_line,
                measure_id,
                f"{year}年方案中的时间节点写作“{parsed.raw}” / "
                "deadline year differs from the plan's",
                f"按原文保留为 {parsed.normalized}（可能是沿用上年文本）/ kept as printed",
            )
        )
    return parsed


def _units(
    draft: _Draft, measure_id: str, doc: str, registry: UnitRegistry, anomalies: list[Anomaly]
) -> tuple[UnitList, UnitList]:
    if draft.units_raw is None:
        anomalies.append(
            Anomaly(
                "missing_units",
                draft.line,
                measure_id,
                "没有“责任单位”行 / no 责任单位 line",
                "牵头单位留空，需人工补充 / lead units left empty for review",
            )
        )
        return UnitList((), ()), UnitList((), ())
    where = f"{doc} 第{draft.units_line}行 / line {draft.units_line}"
    lead, co = parse_responsibility(draft.units_raw, registry, where=where)
    if not lead.units:
        anomalies.append(
            Anomaly(
                "missing_units",
                draft.units_line,
                measure_id,
                f"“责任单位”行没有牵头单位：{clean(draft.units_raw)} / no lead unit",
                "牵头单位留空 / lead units left empty",
            )
        )
    return lead, co
