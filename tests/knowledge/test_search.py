"""Search over hand-made measures: ranking, snippets, scores, no-match, hostile input."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.search import EmptyQuery, Searcher
from knowledge.search.bm25 import Bm25Index, Vocabulary, concat
from knowledge.search.snippet import split_sentences


def test_question_finds_measure_and_answering_sentence(small_searcher: Searcher) -> None:
    answer = small_searcher.answer("新注册公司要几个工作日")
    assert answer.confident
    best = answer.hits[0]
    assert best.measure.id == "2023-16"
    assert "实现企业开办全程1个工作日办结" in best.snippet
    assert best.matched_terms


def test_number_question_prefers_sentence_with_figures(small_searcher: Searcher) -> None:
    best = small_searcher.search("1330机制首个工作日会联系吗", limit=1)[0]
    assert best.measure.id == "2023-34"
    assert "首个工作日" in best.snippet


@pytest.mark.parametrize(
    ("question", "measure_id"),
    [
        ("厂里想拉电找谁", "2023-26"),
        ("投标押金能不能不交现金", "2023-31"),
        ("想找银行借点钱", "2023-34"),
        ("引进的人才娃上学怎么办", "2023-67"),
    ],
)
def test_colloquial_questions(small_searcher: Searcher, question: str, measure_id: str) -> None:
    assert small_searcher.search(question, limit=1)[0].measure.id == measure_id


def test_scores_are_between_0_and_1_and_descending(small_searcher: Searcher) -> None:
    hits = small_searcher.search("企业开办要多久，免费刻章吗", limit=5)
    scores = [h.score for h in hits]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert len(hits) == 5


def test_limit_is_respected(small_searcher: Searcher) -> None:
    assert len(small_searcher.search("企业开办", limit=2)) == 2


@pytest.mark.parametrize("question", ["how do I register a company", "今天天气怎么样", "ok"])
def test_no_good_match_offers_three_nearest_titles(small_searcher: Searcher, question: str) -> None:
    answer = small_searcher.answer(question)
    assert not answer.confident
    assert len(answer.nearest_titles) == 3


@pytest.mark.parametrize("question", ["", "  ", "😀", "<br>", "\x00"])
def test_empty_questions_raise_named_error(small_searcher: Searcher, question: str) -> None:
    with pytest.raises(EmptyQuery):
        small_searcher.answer(question)


def test_huge_and_html_input_is_answered(small_searcher: Searcher) -> None:
    text = "<div>" + "营业执照办理要多久？" * 1000 + "</div>"
    hits = small_searcher.search(text)
    assert hits[0].measure.id == "2023-16"


def test_empty_corpus_gives_no_hits() -> None:
    answer = Searcher([]).answer("营业执照")
    assert answer.hits == ()
    assert not answer.confident


def test_sentence_split() -> None:
    assert split_sentences("第一句话。第二句话；短。第三句话\n第四句话") == [
        "第一句话",
        "第二句话",
        "第三句话",
        "第四句话",
    ]


def test_a_group_s_figure_stays_with_the_figure_it_varies() -> None:
    general = "首付款比例原则上不低于合同金额的50%"
    group = "对于中小企业，首付款支付比例原则上不低于合同金额的70%"
    third = "对于200万元以下的项目，鼓励一次性全额支付"
    assert split_sentences(f"{general}；{group}；{third}。") == [f"{general}；{group}", third]
    # only after a semicolon, only a group clause, only when both state a figure
    assert split_sentences(f"{general}。{group}") == [general, group]
    assert split_sentences(f"{general}；首付款支付比例不低于70%") == [
        general,
        "首付款支付比例不低于70%",
    ]
    assert split_sentences("推行预付款制度；对于中小企业，优先支付") == [
        "推行预付款制度",
        "对于中小企业，优先支付",
    ]


def test_bm25_prefers_rarer_term_and_shorter_document() -> None:
    vocab = Vocabulary()
    bags = [Counter({"电": 1, "报装": 1}), Counter({"电": 1}), Counter({"电": 1, "x": 5})]
    terms, tfs, docs = concat([vocab.encode(b) for b in bags])
    index = Bm25Index(vocab, 3, docs, terms, tfs)
    scores = index.scores({"电": 1.0, "报装": 1.0})
    assert scores[0] > scores[1] > scores[2] > 0
    assert index.idf("报装") > index.idf("电")  # type: ignore[operator]
    assert index.idf("不存在") is None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=800))
def test_any_text_answers_or_is_empty(text: str) -> None:
    searcher = _shared_small_searcher()
    try:
        answer = searcher.answer(text)
    except EmptyQuery:
        return
    assert len(answer.hits) <= 5
    assert all(0.0 <= h.score <= 1.0 for h in answer.hits)


def _shared_small_searcher() -> Searcher:
    from tests.knowledge.conftest import SMALL_MEASURES  # noqa: PLC0415

    global _SMALL  # noqa: PLW0603 - hypothesis cannot use function-scoped fixtures
    if _SMALL is None:
        _SMALL = Searcher(SMALL_MEASURES)
    return _SMALL


_SMALL: Searcher | None = None


def test_time_question_gets_the_sentence_with_a_duration(small_searcher: Searcher) -> None:
    best = small_searcher.search("开个小店办执照得多长时间", limit=1)[0]
    assert best.measure.id == "2023-16"
    assert "1个工作日" in best.snippet


def test_heading_is_not_the_answer(small_searcher: Searcher) -> None:
    best = small_searcher.search("优化办电服务有哪些内容", limit=1)[0]
    assert best.measure.id == "2023-26"
    assert best.snippet != "优化办电服务"


def test_a_question_is_parsed_once_per_answer(small_searcher: Searcher) -> None:
    """Answering asks for the ranking and for the term weights of the same question: the
    second use takes the kept parse, and the parse it gives is the same."""
    question = "开办企业刻章收不收费，多少天能办完"
    before = small_searcher._query.cache_info()
    first = small_searcher.term_weights(question)
    small_searcher.answer(question)
    after = small_searcher._query.cache_info()
    assert after.misses - before.misses == 1 and after.hits - before.hits >= 1
    assert small_searcher.term_weights(question) == first
    # an empty question is refused every time, not kept
    for _ in range(2):
        with pytest.raises(EmptyQuery):
            small_searcher.answer("？？")
