"""Which SLA policy a complaint falls under, from ``knowledge/data/sla_policies.json``.

Owns the policy table and its matching: a policy applies when one of its trigger terms occurs
in the normalised complaint, unless every occurrence is explained away by an ``unless``
phrase (银行开户 is not a financing request). Policies are names in data, so a new policy is a
new entry, not new code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.errors import YousuError
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


@dataclass(frozen=True, slots=True)
class SlaDecision:
    """The policy chosen and the trigger terms that chose it (empty for the default)."""

    policy: str
    matched_terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SlaPolicyTable:
    default: str
    policies: tuple[SlaPolicy, ...]

    def decide(self, text: str) -> SlaDecision:
        cleaned = normalize(text)
        for policy in self.policies:
            masked = cleaned
            for phrase in policy.unless:
                masked = masked.replace(phrase, " ")
            matched = tuple(t for t in policy.triggers if t in masked)
            if matched:
                return SlaDecision(policy.name, matched)
        return SlaDecision(self.default, ())

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
            )
            for p in raw["policies"]
        )
        table = SlaPolicyTable(default=str(raw["default"]), policies=policies)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SlaPolicyDataError(
            f"服务时限策略数据无法读取：{path}（{exc}）", f"cannot read SLA policies {path}: {exc}"
        ) from exc
    if any(not p.triggers or not all(p.triggers) for p in policies):
        raise SlaPolicyDataError(
            f"服务时限策略缺少触发词：{path}", f"an SLA policy in {path} has no trigger terms"
        )
    return table
