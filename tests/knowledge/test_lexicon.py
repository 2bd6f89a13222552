"""The colloquial lexicon: the shipped file's expansions, gapped phrases, and bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.search.lexicon import (
    MAX_GAP,
    LexiconError,
    PhraseFinder,
    default_lexicon,
    load_lexicon,
)


@pytest.fixture(scope="module")
def plan_terms_for() -> dict[str, set[str]]:
    lexicon = load_lexicon()
    phrases = ["执照", "拉电", "押金", "洗白", "娃上学", "关掉公司", "贷款", "借钱", "变压器"]
    return {p: {t for e in lexicon.expand(p) for t in e.plan_terms} for p in phrases}


@pytest.mark.parametrize(
    ("said", "plan_term"),
    [
        ("执照", "营业执照"),
        ("拉电", "用电报装"),
        ("变压器", "办电"),
        ("押金", "保证金"),
        ("洗白", "信用修复"),
        ("娃上学", "子女入学"),
        ("娃上学", "学位"),
        ("关掉公司", "注销"),
        ("贷款", "信贷"),
        ("借钱", "融资"),
    ],
)
def test_colloquial_terms_reach_plan_terms(
    plan_terms_for: dict[str, set[str]], said: str, plan_term: str
) -> None:
    assert plan_term in plan_terms_for[said]


def test_split_verb_object_phrase_matches() -> None:
    lexicon = load_lexicon()
    said = [e.said for e in lexicon.expand("想找银行借点钱周转")]
    assert "借钱" in said or "周转" in said
    assert any("融资" in e.plan_terms for e in lexicon.expand("借点钱"))


def test_gap_is_limited_to_particles_and_measure_words() -> None:
    # 投放目标 must not read as 投标 (tender)
    lexicon = load_lexicon()
    assert not any("招标投标" in e.plan_terms for e in lexicon.expand("信贷资金投放目标"))


def test_term_inside_a_longer_term_does_not_fire_alone() -> None:
    lexicon = load_lexicon()
    plan = {t for e in lexicon.expand("手里没啥能抵押的东西") for t in e.plan_terms}
    assert "信用贷款" in plan
    assert "不动产登记" not in plan  # 抵押 fired only inside 没啥能抵押
    # the shorter term still fires where it also stands on its own
    plan = {t for e in lexicon.expand("没啥能抵押，厂房能抵押吗") for t in e.plan_terms}
    assert {"信用贷款", "不动产登记"} <= plan


def test_unrelated_text_expands_to_nothing() -> None:
    assert load_lexicon().expand("今天天气很好") == []


def test_a_remembered_expansion_is_the_same_and_cannot_be_spoiled_by_its_caller() -> None:
    lexicon = load_lexicon()
    first = lexicon.expand("想找银行借点钱周转")
    assert first
    expected = list(first)
    first.clear()  # a caller changing its list must not change what the next caller gets
    assert lexicon.expand("想找银行借点钱周转") == expected
    lexicon.forget_expansions()
    assert lexicon.expand("想找银行借点钱周转") == expected


def test_the_shipped_lexicon_is_read_once_and_shared() -> None:
    from knowledge import brain  # noqa: PLC0415

    assert default_lexicon() is default_lexicon()
    assert brain.searcher().lexicon is default_lexicon()
    model = brain.learned_model()  # its features expand with the same lexicon
    assert model is not None
    assert model.vectorizer.analyzer.lexicon is default_lexicon()


def test_stopwords_are_loaded() -> None:
    assert {"怎么", "什么", "的"} <= load_lexicon().stopwords


def test_missing_file_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(LexiconError):
        load_lexicon(tmp_path / "nope.json")


def test_malformed_file_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(LexiconError):
        load_lexicon(path)


def test_entry_without_plan_terms_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    path.write_text(json.dumps({"entries": [{"say": ["执照"], "plan": []}]}), encoding="utf-8")
    with pytest.raises(LexiconError):
        load_lexicon(path)


def test_together_entry_fires_on_two_groups(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    entry = {"together": [["通水", "接水"], ["通电", "接电"]], "plan": ["联合报装"]}
    path.write_text(json.dumps({"entries": [entry]}), encoding="utf-8")
    lexicon = load_lexicon(path)
    assert [e.said for e in lexicon.expand("接水接电要跑两家吗")] == ["接水+接电"]
    assert lexicon.expand("接电要跑几家") == []
    assert {"通水", "接电"} <= lexicon.all_terms()


def test_together_entry_needs_two_groups(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    entry = {"together": [["通水", "接水"]], "plan": ["联合报装"]}
    path.write_text(json.dumps({"entries": [entry]}), encoding="utf-8")
    with pytest.raises(LexiconError):
        load_lexicon(path)


def test_entries_may_carry_their_own_weight(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    path.write_text(
        json.dumps(
            {
                "expansion_weight": 0.7,
                "entries": [
                    {"say": ["跑几趟"], "plan": ["一件事一次办"], "weight": 0.3},
                    {"say": ["执照"], "plan": ["营业执照"]},
                ],
            }
        ),
        encoding="utf-8",
    )
    weights = {e.said: e.weight for e in load_lexicon(path).expand("办执照要跑几趟")}
    assert weights == {"跑几趟": 0.3, "执照": 0.7}


def _occurs_by_regex(phrase: str, text: str, gap_chars: str) -> bool:
    """The definition PhraseFinder must agree with: a substring, or a short phrase split
    after its first character by one to MAX_GAP gap characters."""
    if phrase in text:
        return True
    if not gap_chars or not 2 <= len(phrase) <= 3 or not "\u4e00" <= phrase[0] <= "\u9fff":
        return False
    gap = f"[{re.escape(gap_chars)}]{{1,{MAX_GAP}}}"
    return re.search(re.escape(phrase[0]) + gap + re.escape(phrase[1:]), text) is not None


_ALPHABET = "借钱点了个报警盖厂房没抵押投标放目一二"


@settings(max_examples=300, deadline=None)
@given(
    phrases=st.lists(st.text(alphabet=_ALPHABET, min_size=1, max_size=4), max_size=8),
    text=st.text(alphabet=_ALPHABET, max_size=20),
)
def test_phrase_finder_agrees_with_the_regex_definition(phrases: list[str], text: str) -> None:
    gap_chars = "点了个一二"
    found = PhraseFinder(phrases, gap_chars).present(text)
    assert found == {p for p in phrases if _occurs_by_regex(p, text, gap_chars)}


def test_phrase_finder_reports_split_and_whole_phrases() -> None:
    finder = PhraseFinder(["借钱", "报警", "投标", "开发区"], "点了个一")
    assert finder.present("想借点钱，昨天报了警") == {"借钱", "报警"}
    assert finder.present("借了一点钱") == {"借钱"}  # three gap characters
    assert finder.present("借了一个点钱") == set()  # four are too many
    assert finder.present("投放目标") == set()
    assert finder.present("开发区") == {"开发区"}
    assert finder.present("") == set()
