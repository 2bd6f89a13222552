"""Ranking units by the weighted response, resolution and satisfaction rates (as Beijing's 12345
monthly ranking does): order, ties, units with only some rates, and the rules file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.domain.figures import Figure
from bot.domain.ranking import (
    RankingDataError,
    RankingRule,
    best_and_worst,
    load_ranking_rule,
    rank_units,
)

RULE = RankingRule({"response": 0.1, "resolution": 0.45, "satisfaction": 0.45}, "test")


def _unit(
    name: str,
    response: tuple[int, int],
    resolution: tuple[int, int],
    satisfaction: tuple[int, int],
    received: int = 10,
) -> tuple[str, int, list[Figure]]:
    return (
        name,
        received,
        [
            Figure("response", "响应率", *response, 1.0),
            Figure("reply_on_time", "按期回复率", 1, 1, 1.0),  # not ranked: ignored
            Figure("resolution", "解决率", *resolution, 0.9),
            Figure("satisfaction", "满意率", *satisfaction),
        ],
    )


def test_units_are_ranked_by_the_weighted_score_best_first() -> None:
    ranking = rank_units(
        [
            _unit("甲", (10, 10), (5, 10), (5, 10)),  # 10 + 22.5 + 22.5 = 55
            _unit("乙", (5, 10), (10, 10), (10, 10)),  # 5 + 45 + 45 = 95
            _unit("丙", (10, 10), (9, 10), (8, 10)),  # 10 + 40.5 + 36 = 86.5
        ],
        RULE,
    )
    assert [(r.position, r.unit) for r in ranking] == [(1, "乙"), (2, "丙"), (3, "甲")]
    assert [round(r.score or 0, 2) for r in ranking] == [95.0, 86.5, 55.0]
    assert all(r.complete for r in ranking)
    assert ranking[0].rates == {"response": 0.5, "resolution": 1.0, "satisfaction": 1.0}


def test_equal_scores_share_a_position_and_the_busier_unit_is_listed_first() -> None:
    ranking = rank_units(
        [
            _unit("甲", (1, 1), (1, 1), (1, 1), received=2),
            _unit("乙", (1, 1), (1, 1), (1, 1), received=9),
            _unit("丙", (0, 1), (0, 1), (0, 1)),
        ],
        RULE,
    )
    assert [(r.position, r.unit) for r in ranking] == [(1, "乙"), (1, "甲"), (3, "丙")]


def test_a_unit_is_scored_on_the_rates_it_has_and_one_without_any_is_not_ranked() -> None:
    ranking = rank_units(
        [
            _unit("只有响应", (1, 2), (0, 0), (0, 0)),  # 50% on response alone
            _unit("全无", (0, 0), (0, 0), (0, 0), received=0),
            _unit("齐全", (1, 1), (1, 2), (1, 2)),  # 10 + 22.5 + 22.5 = 55
        ],
        RULE,
    )
    assert [(r.position, r.unit) for r in ranking] == [(1, "齐全"), (2, "只有响应"), (None, "全无")]
    partial = ranking[1]
    assert partial.basis == ("response",) and not partial.complete and partial.score == 50.0
    assert ranking[2].score is None and ranking[2].basis == ()


@pytest.mark.parametrize(
    ("ranked", "best", "worst"),
    [
        (8, ["u0", "u1", "u2"], ["u7", "u6", "u5"]),
        (4, ["u0", "u1", "u2"], ["u3"]),  # nobody is both best and worst
        (2, ["u0", "u1"], []),
        (0, [], []),
    ],
)
def test_best_and_worst_three_never_overlap(ranked: int, best: list[str], worst: list[str]) -> None:
    units = [_unit(f"u{i}", (10 - i, 10), (10 - i, 10), (10 - i, 10)) for i in range(ranked)]
    units.append(_unit("none", (0, 0), (0, 0), (0, 0)))  # unranked: in neither list
    top, bottom = best_and_worst(rank_units(units, RULE))
    assert [r.unit for r in top] == best and [r.unit for r in bottom] == worst


def test_the_shipped_rule_weighs_response_resolution_and_satisfaction() -> None:
    rule = load_ranking_rule()
    assert set(rule.weights) == {"response", "resolution", "satisfaction"}
    assert rule.describe() == "响应率 10%、解决率 45%、满意率 45%"
    assert "北京" in rule.source


@pytest.mark.parametrize(
    "text",
    [
        "source = 'x'\n",
        "[weights]\nspeed = 1\n",
        "[weights]\nresponse = -1\n",
        "[weights]\nresponse = 0\nresolution = 0\n",
        "[weights]\nresponse = 'high'\n",
        "[weights\n",
    ],
)
def test_a_bad_rules_file_is_a_named_error(
    write_file: Callable[[str, str], Path], text: str
) -> None:
    with pytest.raises(RankingDataError):
        load_ranking_rule(write_file("ranking.toml", text))


def test_a_missing_rules_file_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(RankingDataError, match="not found"):
        load_ranking_rule(tmp_path / "missing.toml")
