"""Which SLA policy a complaint falls under, from ``knowledge/data/sla_policies.json``.

Owns the policy table and its matching: a policy applies when one of its trigger terms occurs
in the normalised complaint, unless every occurrence is explained away by an ``unless``
phrase (银行开户 is not a financing request). Policies are names in data, so a new policy is a
new entry, not new code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bot.errors import YousuError
from knowledge.search.lexicon import PhraseFinder, default_lexicon
from knowledge.search.normalize import normalize


class SlaPolicyDataError(YousuError):
    code = "sla_policy_data_invalid"
    http_status = 500


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    name: str
    title: str
    triggers: tuple[str, ...]
    unless: tuple[str, ...] = ()
    #: unit-name fragments this kind of request belongs to (financing -> financial units)
    points_to: tuple[str, ...] = ()
    #: measures whose complaints are this kind of request, whatever words they use
    measures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlaDecision:
    """The policy chosen and the trigger terms that chose it (empty for the default)."""

    policy: str
    matched_terms: tuple[str, ...]
    points_to: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlaPolicyTable:
    default: str
    policies: tuple[SlaPolicy, ...]
    #: characters that may split a two-character trigger (贷一笔 for 贷款 is not; 借点钱 is)
    gap_chars: str = ""
    _finders: tuple[PhraseFinder, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        finders = tuple(PhraseFinder(p.triggers, self.gap_chars) for p in self.policies)
        object.__setattr__(self, "_finders", finders)

    def decide(self, text: str) -> SlaDecision:
        cleaned = normalize(text)
        for policy, finder in zip(self.policies, self._finders, strict=True):
            masked = cleaned
            for phrase in policy.unless:
                masked = masked.replace(phrase, " ")
            present = finder.present(masked)
            matched = tuple(t for t in policy.triggers if t in present)
            if matched:
                return SlaDecision(policy.name, matched, policy.points_to)
        return SlaDecision(self.default, ())

    def for_measure(self, measure_id: str) -> SlaDecision | None:
        """The policy a complaint gets because of the measure it was routed to, if any."""
        for policy in self.policies:
            if measure_id in policy.measures:
                return SlaDecision(policy.name, (), policy.points_to)
        return None

    def financing_units(self) -> tuple[str, ...]:
        """The unit fragments of the first policy that points anywhere (the financing one)."""
        return next((p.points_to for p in self.policies if p.points_to), ())

    def financing_policy(self) -> str | None:
        """The name of that policy (``1330``), or None when no policy points to units."""
        return next((p.name for p in self.policies if p.points_to), None)

    def names(self) -> list[str]:
        return [self.default, *(p.name for p in self.policies)]


def load_sla_policies(path: Path | None = None) -> SlaPolicyTable:
    path = path or Path(str(resources.files("knowledge") / "data" / "sla_policies.json"))
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        policies = tuple(
            SlaPolicy(
                name=str(p["name"]),
                title=str(p.get("title", p["name"])),
                triggers=tuple(normalize(t) for t in p["triggers"]),
                unless=tuple(normalize(t) for t in p.get("unless", [])),
                points_to=tuple(str(u) for u in p.get("points_to", [])),
                measures=tuple(str(m) for m in p.get("measures", [])),
            )
            for p in raw["policies"]
        )
        table = SlaPolicyTable(
            default=str(raw["default"]), policies=policies, gap_chars=default_lexicon().gap_chars
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SlaPolicyDataError(
            f"服务时限策略数据无法读取：{path}（{exc}）", f"cannot read SLA policies {path}: {exc}"
        ) from exc
    if any(not p.triggers or not all(p.triggers) for p in policies):
        raise SlaPolicyDataError(
            f"服务时限策略缺少触发词：{path}", f"an SLA policy in {path} has no trigger terms"
        )
    return table
