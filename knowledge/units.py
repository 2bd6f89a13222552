"""The unit registry: every name a unit appears under, mapped to one canonical unit.

The registry is data (``knowledge/data/units.json``, hand-curated). Group names such as
各镇办 or 区直相关部门 are registered with ``kind == "group"``: they are recognised, but
they are never units and nothing is routed to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.errors import NotFound, YousuError
from knowledge.model import Measure, Unit

UNITS_FILE = Path(__file__).resolve().parent / "data" / "units.json"

#: characters that never belong to a name (plain and full-width spaces, stray punctuation)
_STRIP = " \t\u3000\u00a0"


class UnknownUnit(NotFound):
    """A unit name the registry does not know."""

    code = "unknown_unit"

    def __init__(self, name: str, closest: Sequence[str], where: str = "") -> None:
        self.name = name
        self.closest = tuple(closest)
        self.where = where
        hint = "、".join(self.closest) or "无"
        at_zh = f"（{where}）" if where else ""
        at_en = f" ({where})" if where else ""
        super().__init__(
            f"未知单位“{name}”{at_zh}；最接近的已知名称：{hint}",
            f"unknown unit {name!r}{at_en}; closest known names: {', '.join(self.closest) or '-'}",
        )


class RegistryError(YousuError):
    """The registry file itself is broken (duplicate alias, bad JSON)."""

    code = "bad_unit_registry"


def normalize_name(name: str) -> str:
    """The lookup form of a name: outer spaces removed, half-width parentheses made full-width."""
    return name.strip(_STRIP).replace("(", "（").replace(")", "）")


@dataclass(frozen=True, slots=True)
class UnitRegistry:
    """Canonical units and groups, their aliases, and (optionally) the measures they lead."""

    units: tuple[Unit, ...]
    notes: Mapping[str, str]
    _by_alias: Mapping[str, Unit]
    _led: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_units(
        cls, units: Iterable[Unit], notes: Mapping[str, str] | None = None
    ) -> UnitRegistry:
        units = tuple(units)
        by_alias: dict[str, Unit] = {}
        for unit in units:
            for alias in (unit.name, *unit.aliases):
                key = normalize_name(alias)
                other = by_alias.get(key)
                if other is not None and other.name != unit.name:
                    raise RegistryError(
                        f"单位别名“{alias}”同时属于“{other.name}”和“{unit.name}”",
                        f"alias {alias!r} belongs to both {other.name!r} and {unit.name!r}",
                    )
                by_alias[key] = unit
        return cls(units, dict(notes or {}), by_alias, {})

    def with_measures(self, measures: Iterable[Measure]) -> UnitRegistry:
        """A copy that also knows which measures each unit leads (plan order)."""
        led: dict[str, list[str]] = {}
        for measure in measures:
            for unit in measure.lead_units:
                led.setdefault(unit, []).append(measure.id)
        return UnitRegistry(
            self.units, self.notes, self._by_alias, {k: tuple(v) for k, v in led.items()}
        )

    def lookup(self, name: str) -> Unit | None:
        """The unit or group a name stands for, or None."""
        return self._by_alias.get(normalize_name(name))

    def canonical(self, name: str, *, where: str = "") -> str:
        """The canonical name of a unit (or group); ``UnknownUnit`` with the closest names."""
        unit = self.lookup(name)
        if unit is None:
            raise UnknownUnit(name, self.closest(name, 3), where)
        return unit.name

    def is_group(self, name: str) -> bool:
        unit = self.lookup(name)
        return unit is not None and unit.kind == "group"

    def closest(self, name: str, n: int = 3) -> list[str]:
        """The ``n`` known names (canonical or alias) most like ``name``."""
        matches = process.extract(
            normalize_name(name), list(self._by_alias), scorer=fuzz.WRatio, limit=n
        )
        return [match[0] for match in matches]

    def aliases_of(self, canonical: str) -> tuple[str, ...]:
        unit = self.lookup(canonical)
        if unit is None:
            raise UnknownUnit(canonical, self.closest(canonical, 3))
        return unit.aliases

    def all_units(self) -> tuple[Unit, ...]:
        """Every canonical unit (groups excluded), in registry order."""
        return tuple(unit for unit in self.units if unit.kind == "unit")

    def all_groups(self) -> tuple[Unit, ...]:
        return tuple(unit for unit in self.units if unit.kind == "group")

    def measures_led_by(self, unit: str) -> tuple[str, ...]:
        """Ids of the measures a unit leads (any of its names accepted), in plan order."""
        return self._led.get(self.canonical(unit), ())


def load_registry(path: Path = UNITS_FILE) -> UnitRegistry:
    """Read the registry file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = raw["units"]
        units = [
            Unit(
                name=entry["name"],
                aliases=tuple(entry.get("aliases", ())),
                kind="group" if entry.get("kind") == "group" else "unit",
            )
            for entry in entries
        ]
        notes = {entry["name"]: entry["note"] for entry in entries if entry.get("note")}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RegistryError(
            f"无法读取单位名录 {path}：{exc}", f"cannot read unit registry {path}: {exc}"
        ) from exc
    return UnitRegistry.from_units(units, notes)
