"""One document in, measures and anomalies out: kind detection and the parser dispatch."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from knowledge.importer.anomalies import Anomaly
from knowledge.importer.fragments import find_fragments
from knowledge.importer.plan import parse_plan
from knowledge.importer.reading import DocumentError, read_lines
from knowledge.importer.rectification import load_resolutions, parse_rectification
from knowledge.model import Measure
from knowledge.units import UnitRegistry, load_registry

Kind = Literal["plan", "rectification"]
KIND_NAMES: dict[str, Kind] = {"plan": "plan", "rectification": "rectification"}
_YEAR = re.compile(r"(20\d{2})年")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one document gave: its id (``2023-plan``), title, measures and anomalies."""

    doc: str
    kind: Kind
    year: int
    title: str
    measures: tuple[Measure, ...]
    anomalies: tuple[Anomaly, ...]

    @property
    def file_name(self) -> str:
        """``plan-2023.json`` / ``rectification-2022.json``."""
        return f"{self.kind}-{self.year}.json"


def detect_kind(lines: Sequence[str]) -> tuple[Kind, int, str]:
    """The kind, year and title from the document's title line."""
    title = next((line.strip() for line in lines if line.strip()), "")
    year_match = _YEAR.search(title)
    if year_match is None:
        raise DocumentError(
            f"无法从标题识别方案年份：“{title[:40]}”",
            f"cannot find the plan's year in its title: {title[:40]!r}",
        )
    if "整改" in title:
        kind: Kind = "rectification"
    elif "方案" in title:
        kind = "plan"
    else:
        raise DocumentError(
            f"无法识别文件类型（标题应含“实施方案”或“整改提升方案”）：“{title[:40]}”",
            f"cannot tell the document kind from its title: {title[:40]!r}",
        )
    return kind, int(year_match.group(1)), title


def import_lines(
    lines: Sequence[str],
    *,
    kind: Kind | None = None,
    registry: UnitRegistry | None = None,
    known: Sequence[Measure] = (),
) -> ImportResult:
    """Parse document lines. ``known`` measures (another plan) help spot pasted fragments."""
    registry = registry or load_registry()
    detected, year, title = detect_kind(lines)
    kind = kind or detected
    doc = f"{year}-{kind}"
    anomalies: list[Anomaly] = []
    if kind == "plan":
        measures, found = parse_plan(lines, registry, year=year, doc=doc)
    else:
        blanked, fragments = find_fragments(lines, known)
        for fragment in fragments:
            ids = "、".join(fragment.matches) or "未知"
            anomalies.append(
                Anomaly(
                    "stray_fragment",
                    fragment.first_line,
                    f"第{fragment.first_line}-{fragment.last_line}行",
                    f"夹带的实施方案片段：举措（{'）（'.join(fragment.numbers)}），"
                    f"对应已知举措 {ids} / pasted fragment of a yearly plan",
                    "已排除，不生成条目 / excluded from the entries",
                )
            )
        measures, found = parse_rectification(
            blanked, registry, year=year, doc=doc, resolutions=load_resolutions()
        )
    anomalies.extend(found)
    if not measures:
        raise DocumentError(
            f"文件中没有找到任何举措或指标：{title[:40]}",
            f"no measures or indicators found in the document: {title[:40]!r}",
        )
    return ImportResult(doc, kind, year, title, tuple(measures), tuple(anomalies))


def import_document(
    path: Path,
    *,
    kind: Kind | None = None,
    registry: UnitRegistry | None = None,
    known: Sequence[Measure] = (),
) -> ImportResult:
    """Read and parse one .txt or .docx document."""
    return import_lines(read_lines(path), kind=kind, registry=registry, known=known)
