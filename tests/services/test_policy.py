"""Policy questions through the service layer: checked, then answered by the knowledge base."""

from __future__ import annotations

import pytest

from bot.errors import InvalidInput
from bot.services.context import ServiceContext
from bot.services.policy import MAX_QUESTION, answer_question


def test_a_question_is_answered_by_its_measure(ctx: ServiceContext) -> None:
    answer = answer_question(ctx, "  新注册公司要几个工作日\x00 ")
    assert answer.confident and answer.hits[0].measure.id == "2023-16"
    assert "1个工作日" in answer.hits[0].snippet


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "问" * (MAX_QUESTION + 1)])
def test_empty_or_huge_questions_are_refused(ctx: ServiceContext, question: str) -> None:
    with pytest.raises(InvalidInput):
        answer_question(ctx, question)
