"""Parsing the small fields both plan formats share: unit lists, deadlines, officials.

Unit lists look like ``区政府办、工信局、工商联牵头，各镇办，区直相关部门配合`` (2023) or
``区城管局、区住建局`` (2022). They are split on 、，,； and stripped of 牵头/配合/等/
按职责分工负责; every name is resolved through the unit registry (unknown names fail).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.model import ONGOING, Deadline, Official
from knowledge.units import UnitRegistry, normalize_name

_SEPARATORS = re.compile(r"[、，,；;]")
#: words that qualify a name rather than being part of it, longest first
_ROLE_WORDS = ("按职责分工负责配合", "按职责分工负责", "牵头", "配合")
_DEADLINE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?")
_PHONE = re.compile(r"1\d{10}")


@dataclass(frozen=True, slots=True)
class UnitList:
    """Canonical units and groups of one role (lead or co), in the document's order."""

    units: tuple[str, ...]
    groups: tuple[str, ...]


def _strip_roles(token: str) -> str:
    token = token.strip(" \t\u3000")
    changed = True
    while changed:
        changed = False
        for word in _ROLE_WORDS:
            if token.endswith(word) and len(token) > len(word):
                token = token[: -len(word)].strip(" \t\u3000")
                changed = True
    return token


def _tokens(part: str, registry: UnitRegistry) -> list[str]:
    raw = [t for t in (s.strip(" \t\u3000") for s in _SEPARATORS.split(part)) if t]
    # A name may itself contain a separator (各镇、街道): glue neighbours the registry knows.
    merged: list[str] = []
    i = 0
    while i < len(raw):
        if i + 1 < len(raw) and registry.lookup(f"{raw[i]}、{_strip_roles(raw[i + 1])}"):
            merged.append(f"{raw[i]}、{_strip_roles(raw[i + 1])}")
            i += 2
        else:
            merged.append(raw[i])
            i += 1
    names: list[str] = []
    for raw_token in merged:
        token = _strip_roles(raw_token)
        if "等" in token:
            # 司法局等相关单位 -> unit 司法局 and group 相关单位
            head, _, tail = token.partition("等")
            names.extend(t for t in (_strip_roles(head), _strip_roles(tail)) if t)
        elif registry.lookup(token) is None and "和" in token:
            names.extend(_split_on_he(token, registry))
        elif token:
            names.append(token)
    return names


def _split_on_he(token: str, registry: UnitRegistry) -> list[str]:
    """银保监组和相关行业主管部门 -> two names, but only where both halves are known
    (和 is also inside names such as 自然资源和规划局)."""
    for match in re.finditer("和", token):
        head, tail = token[: match.start()], token[match.end() :]
        if registry.lookup(head) and registry.lookup(tail):
            return [head, tail]
    return [token]


def parse_unit_list(part: str, registry: UnitRegistry, *, where: str) -> UnitList:
    """Resolve a comma list of names to canonical units and groups (``UnknownUnit`` fails)."""
    units: list[str] = []
    groups: list[str] = []
    for name in _tokens(part, registry):
        canonical = registry.canonical(name, where=where)
        target = groups if registry.is_group(canonical) else units
        if canonical not in target:
            target.append(canonical)
    return UnitList(tuple(units), tuple(groups))


def parse_responsibility(
    text: str, registry: UnitRegistry, *, where: str
) -> tuple[UnitList, UnitList]:
    """A 2023-style ``X牵头，Y配合`` field -> (lead, co). Without 牵头 every name leads."""
    text = normalize_name(text)
    if "牵头" in text:
        lead, _, co = text.partition("牵头")
        return (
            parse_unit_list(lead, registry, where=where),
            parse_unit_list(co, registry, where=where),
        )
    return parse_unit_list(text, registry, where=where), UnitList((), ())


def parse_deadline(raw: str, default_year: int) -> Deadline | None:
    """``2023年6月`` -> 2023-06; ``2022年12月31日`` -> 2022-12-31; ``12月20日`` -> year
    inferred; ``持续推进`` -> ongoing. None when the text is no deadline at all."""
    compact = re.sub(r"\s+", "", raw).rstrip("。.;；")
    if compact == ONGOING:
        return Deadline(raw=raw.strip(), normalized=ONGOING)
    match = _DEADLINE.fullmatch(compact)
    if match is None:
        return None
    year_text, month_text, day_text = match.groups()
    year = int(year_text) if year_text else default_year
    month = int(month_text)
    if not 1 <= month <= 12:
        return None
    normalized = f"{year:04d}-{month:02d}"
    if day_text:
        day = int(day_text)
        if not 1 <= day <= 31:
            return None
        normalized += f"-{day:02d}"
    return Deadline(raw=raw.strip(), normalized=normalized, year_inferred=year_text is None)


def parse_officials(raw: str) -> tuple[Official, ...]:
    """``魏刺梅、王青云`` or ``李海鹏  13939926662`` -> named officials with phones."""
    officials: list[Official] = []
    for raw_token in _SEPARATORS.split(raw):
        token = raw_token.strip(" \t\u3000")
        if not token:
            continue
        phone_match = _PHONE.search(token)
        phone = phone_match.group(0) if phone_match else None
        name = _PHONE.sub("", token).strip(" \t\u3000")
        if name:
            officials.append(Official(name=name, phone=phone))
        elif phone and officials and officials[-1].phone is None:
            # a phone on its own after a name: it belongs to that name
            officials[-1] = Official(name=officials[-1].name, phone=phone)
    return tuple(officials)
