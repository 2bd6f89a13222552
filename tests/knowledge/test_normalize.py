"""Normalisation: width, HTML, control characters, emoji, length caps, empty input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.search.normalize import (
    MAX_QUERY_CHARS,
    EmptyQuery,
    has_cjk,
    normalize,
    normalize_query,
)


def test_full_width_letters_and_digits_become_half_width() -> None:
    assert normalize("ＵＫＥＹ１２３") == "ukey123"


def test_html_tags_and_entities_are_removed() -> None:
    assert normalize("<p>办理<b>营业执照</b>&amp;公章</p>") == "办理 营业执照 &公章"


def test_control_zero_width_and_emoji_are_dropped() -> None:
    assert normalize("拉\x00电\u200b😀申请\x1b") == "拉电申请"


def test_white_space_is_collapsed() -> None:
    assert normalize("  企业\t\n开办  ") == "企业 开办"


def test_query_is_capped() -> None:
    assert len(normalize_query("企" * 100_000)) == MAX_QUERY_CHARS


def test_unbalanced_angle_bracket_does_not_eat_the_text() -> None:
    text = "<" + "企业开办" * 2000
    assert normalize(text).startswith("<企业开办")


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "😀😀", "<br/>", "\x00\x01", "。，！"])
def test_empty_after_cleaning_is_a_named_error(text: str) -> None:
    with pytest.raises(EmptyQuery) as info:
        normalize_query(text)
    assert info.value.zh and info.value.en


def test_non_string_is_a_named_error() -> None:
    with pytest.raises(EmptyQuery):
        normalize_query(None)  # type: ignore[arg-type]


def test_cjk_detection() -> None:
    assert has_cjk("how 办电")
    assert not has_cjk("how to get power")


@given(st.text(max_size=3000))
def test_normalize_never_fails_and_leaves_no_controls(text: str) -> None:
    out = normalize(text, max_chars=MAX_QUERY_CHARS)
    assert len(out) <= MAX_QUERY_CHARS
    assert not any(ord(ch) < 32 for ch in out)
