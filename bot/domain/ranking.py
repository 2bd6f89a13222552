"""Ranking the units as the monthly ranking of Beijing's 12345 接诉即办 does: a weighted score
of the response, resolution and satisfaction rates, best first.

Owns the score and the order (the weights are data: ``bot/data/ranking.toml``). Pure: figures
in, ranking out; the reports show it. A rate a unit has no figure for (nothing decided yet) is
left out of its score, which is then the weighted mean of the rates it has, and the ranking
says which rates counted (``basis``); a unit with none of them is listed, not ranked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bot.domain.data_files import read_toml
from bot.domain.figures import Figure
from bot.errors import YousuError

RANKING_FILE = Path(__file__).resolve().parents[1] / "data" / "ranking.toml"

#: the rates a ranking may weigh, and their short titles (Chinese, for people)
RANKED_TITLES = {"response": "响应率", "resolution": "解决率", "satisfaction": "满意率"}


class RankingDataError(YousuError):
    """The ranking file is missing, unreadable or says something impossible."""

    code = "ranking_data"


@dataclass(frozen=True, slots=True)
class RankingRule:
    #: rate key (see ``RANKED_TITLES``) -> weight; in the file's order
    weights: Mapping[str, float]
    source: str = ""

    def score(self, rates: Mapping[str, float | None]) -> tuple[float | None, tuple[str, ...]]:
        """The score (0-100) over the rates given, and which rates it counts."""
        basis = tuple(k for k, w in self.weights.items() if w > 0 and rates.get(k) is not None)
        if not basis:
            return None, ()
        total = sum(self.weights[k] for k in basis)
        weighted = sum(self.weights[k] * (rates[k] or 0.0) for k in basis)
        return 100.0 * weighted / total, basis

    def describe(self) -> str:
        """``响应率 10%、解决率 45%、满意率 45%`` (each weight's share of the total)."""
        total = sum(self.weights.values())
        return "、".join(
            f"{RANKED_TITLES[k]} {w / total * 100:.0f}%" for k, w in self.weights.items() if w > 0
        )


@dataclass(frozen=True, slots=True)
class RankedUnit:
    unit: str
    #: 1 is the best; equal scores (to 0.01) share a position; None: not ranked (no rate)
    position: int | None
    score: float | None  # 0-100
    received: int
    rates: Mapping[str, float | None] = field(default_factory=dict)
    #: the rates the score counts (all of the rule's when ``complete``)
    basis: tuple[str, ...] = ()
    complete: bool = False


def rank_units(
    units: Iterable[tuple[str, int, Sequence[Figure]]], rule: RankingRule
) -> tuple[RankedUnit, ...]:
    """``(unit, received, figures)`` of each unit -> ranked units, best first, then the units
    without any of the rule's rates (by name). Ties keep one position and are listed by the
    number received (more first), then by name."""
    wanted = tuple(k for k, w in rule.weights.items() if w > 0)
    scored: list[RankedUnit] = []
    unranked: list[RankedUnit] = []
    for name, received, figures in units:
        rates = {f.key: f.rate for f in figures if f.key in rule.weights}
        score, basis = rule.score(rates)
        entry = RankedUnit(name, None, score, received, rates, basis, basis == wanted)
        (unranked if score is None else scored).append(entry)
    scored.sort(key=lambda u: (-_rounded(u.score), -u.received, u.unit))
    ranked: list[RankedUnit] = []
    for index, unit in enumerate(scored):
        previous = ranked[-1] if ranked else None
        tied = previous is not None and _rounded(previous.score) == _rounded(unit.score)
        position = previous.position if tied and previous is not None else index + 1
        ranked.append(
            RankedUnit(
                unit.unit,
                position,
                unit.score,
                unit.received,
                unit.rates,
                unit.basis,
                unit.complete,
            )
        )
    return (*ranked, *sorted(unranked, key=lambda u: u.unit))


def _rounded(score: float | None) -> float:
    return -math.inf if score is None else round(score, 2)


def best_and_worst(
    ranking: Sequence[RankedUnit], count: int = 3
) -> tuple[tuple[RankedUnit, ...], tuple[RankedUnit, ...]]:
    """The ``count`` best ranked units, and the ``count`` worst (worst first) among the rest,
    so a short ranking never names a unit twice."""
    ranked = [u for u in ranking if u.position is not None]
    best = tuple(ranked[:count])
    rest = ranked[len(best) :]
    worst = tuple(reversed(rest[-count:])) if rest else ()
    return best, worst


@cache
def load_ranking_rule(path: Path = RANKING_FILE) -> RankingRule:
    data = read_toml(path, RankingDataError, ("排名规则文件", "ranking file"))
    weights = data.get("weights")
    problem = None
    if not isinstance(weights, dict) or not weights:
        problem = ("缺少 [weights]", "no [weights] table")
    elif unknown := sorted(set(weights) - set(RANKED_TITLES)):
        problem = (f"未知指标 {unknown}", f"unknown rates {unknown}")
    elif not all(
        isinstance(w, int | float) and not isinstance(w, bool) and math.isfinite(w) and w >= 0
        for w in weights.values()
    ):
        problem = ("权重须为非负数", "weights must be non-negative numbers")
    elif not any(w > 0 for w in weights.values()):
        problem = ("至少一个权重须大于 0", "at least one weight must be positive")
    if problem is not None:
        raise RankingDataError(
            f"排名规则文件有误：{path}（{problem[0]}）", f"bad ranking file {path}: {problem[1]}"
        )
    assert isinstance(weights, dict)
    return RankingRule({k: float(w) for k, w in weights.items()}, str(data.get("source", "")))
