"""Finding pasted fragments of a yearly plan inside a rectification document.

A fragment is a 2023-style measure — ``（n）…`` followed by a ``时间节点`` line or a
``责任单位`` line with 牵头/配合 (rectification unit lines never say either) — or a measure
whose text duplicates a known measure; the plan's subsection or section headings right
before such a measure belong to the fragment too. The lines are blanked (so line numbers
stay) and reported, so they never become duplicate entries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.importer.plan import clean, title_of
from knowledge.model import Measure

_MEASURE = re.compile(r"^（(\d+)）\S")
_PLAN_UNITS = re.compile(r"^责\s*任\s*单\s*位\s*[:：].*(牵头|配合)")
_PLAN_DEADLINE = re.compile(r"时间节点\s*[:：]")
_PLAN_HEADING = re.compile(r"^(?:\d+．\S|（[一二三四五]）打造)")
_INDICATOR = re.compile(r"^([一二三四五六七八九十]+|\d+)、")


@dataclass(frozen=True, slots=True)
class Fragment:
    first_line: int
    last_line: int
    numbers: tuple[str, ...]
    matches: tuple[str, ...]


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text)


def find_fragments(
    lines: Sequence[str], known: Sequence[Measure] = ()
) -> tuple[list[str], list[Fragment]]:
    """The lines with fragments blanked out, and the fragments found."""
    by_text = {_normal(m.text): m.id for m in known if m.text}
    by_title = {_normal(m.title): m.id for m in known if len(m.title) > 4}
    cleaned = [clean(line) for line in lines]
    stray: set[int] = set()
    found: list[Fragment] = []
    i = 0
    while i < len(cleaned):
        match = _MEASURE.match(cleaned[i])
        if not match:
            i += 1
            continue
        end = i + 1
        while end < len(cleaned) and not (
            _MEASURE.match(cleaned[end])
            or _INDICATOR.match(cleaned[end])
            or _PLAN_HEADING.match(cleaned[end])
        ):
            end += 1
        block = cleaned[i:end]
        body = re.sub(r"^（\d+）", "", block[0])
        body_text = body.split("时间节点")[0]
        known_id = by_text.get(_normal(body_text)) or by_title.get(_normal(title_of(body_text)))
        plan_style = any(_PLAN_UNITS.match(line) for line in block) and any(
            _PLAN_DEADLINE.search(line) for line in block
        )
        if known_id or plan_style:
            # the plan's headings (and blank lines) just above belong to the fragment
            start, j = i, i - 1
            while j >= 0 and (not cleaned[j] or _PLAN_HEADING.match(cleaned[j])):
                if cleaned[j]:
                    start = j
                j -= 1
            stray.update(range(start, end))
            found.append(
                Fragment(start + 1, end, (match.group(1),), (known_id,) if known_id else ())
            )
        i = end
    merged = _merge(found)
    blanked = ["" if index in stray else line for index, line in enumerate(lines)]
    return blanked, merged


def _merge(fragments: list[Fragment]) -> list[Fragment]:
    """Adjacent fragment measures are one pasted fragment."""
    merged: list[Fragment] = []
    for fragment in fragments:
        if merged and fragment.first_line <= merged[-1].last_line + 2:
            last = merged.pop()
            merged.append(
                Fragment(
                    last.first_line,
                    fragment.last_line,
                    last.numbers + fragment.numbers,
                    last.matches + fragment.matches,
                )
            )
        else:
            merged.append(fragment)
    return merged
