"""A stand-in reader of the two plan seeds, for benchmarks and accuracy tests only.

The real importer lives on the knowledge-base branch (``knowledge.base``); until it is merged,
this reads /work/shared/seeds well enough to measure search and routing (72 measures of the
2023 plan, 15 indicators of the 2022 plan). It is deliberately rough and is never used by
the product: ``knowledge.brain`` only loads ``knowledge.base``.
"""

from __future__ import annotations

import re
from pathlib import Path

from knowledge.model import Deadline, Measure

SEEDS = Path("/work/shared/seeds")
PLAN_2023 = SEEDS / "000_3c9f62d57b09dfca.txt"
PLAN_2022 = SEEDS / "001_0bb53a292d739038.txt"


def available() -> bool:
    return PLAN_2023.exists() and PLAN_2022.exists()


def _units(line: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    body = re.sub(r"^责任单位[:：]", "", line)
    lead, _, co = body.partition("牵头")
    leads = tuple(p.strip(" ，,、（）()") for p in re.split(r"[、，,]", lead) if p.strip())
    cos = tuple(c for c in (p.strip(" ，,、（）()配合") for p in re.split(r"[、，,]", co)) if c)
    return leads, cos


def _plan_2023() -> list[Measure]:
    out: list[Measure] = []
    seen: set[str] = set()
    section = subsection = ""
    current: dict[str, str] | None = None
    for raw in PLAN_2023.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"^\[bookmark:[^\]]*\]", "", raw.strip())
        if re.match(r"^（[一二三四五六]）", line):
            section = line
            continue
        if re.match(r"^\d+．", line):
            subsection = line
            continue
        m = re.match(r"^（(\d+)）(.+?)。(.*)$", line)
        if m and subsection:
            number = m.group(1)
            mid = f"2023-{number}" + ("b" if f"2023-{number}" in seen else "")
            seen.add(mid)
            current = {
                "id": mid,
                "number": number,
                "title": m.group(2),
                "text": f"{m.group(2)}。{m.group(3)}",
                "deadline": "",
            }
            continue
        if current is not None and line.startswith("时间节点"):
            current["deadline"] = line.split("：", 1)[-1]
        if current is not None and line.startswith("责任单位"):
            lead, co = _units(line)
            out.append(
                Measure(
                    id=current["id"],
                    doc="2023-plan",
                    section=section,
                    subsection=subsection,
                    number=current["number"],
                    title=current["title"],
                    text=current["text"],
                    deadline=Deadline(current["deadline"], current["deadline"]),
                    lead_units=lead,
                    co_units=co,
                )
            )
            current = None
    return out


def _plan_2022() -> list[Measure]:
    text = PLAN_2022.read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=(?:[一二三四五六七八九十]+、|12、))", text)[1:]
    out: list[Measure] = []
    for i, block in enumerate(blocks, start=1):
        title = re.sub(r"^[一二三四五六七八九十\d]+、\s*", "", block.splitlines()[0].strip())
        units: list[str] = []
        for line in block.splitlines():
            if "责任单位" in line:
                for unit in re.split(r"[、，,]", line.split("位", 1)[1].lstrip(":：")):
                    if unit.strip() and unit.strip() not in units:
                        units.append(unit.strip())
        out.append(
            Measure(
                id=f"2022-{i}",
                doc="2022-rectification",
                section="",
                subsection="",
                number=str(i),
                title=title,
                text=block,
                deadline=Deadline("2022年12月", "2022-12"),
                # the credit-environment indicator names only 信用办, which sits in 发改委
                lead_units=tuple(units) or ("区发改委",),
            )
        )
    return out


def load() -> list[Measure]:
    """All measures of both seeds, in document order."""
    return _plan_2023() + _plan_2022()
