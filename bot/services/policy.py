"""Policy questions (政策咨询): which measure answers, in the plan's own sentence.

Owns checking a question before it is searched. The search itself (``ctx.ask``) is the
knowledge base's; channels render its ``Answer``: the answering sentence, the measure, its
lead units and deadline, or — when nothing matches well — the nearest measures, presented
as such rather than as an answer.
"""

from __future__ import annotations

from bot.errors import InvalidInput
from bot.services.context import ServiceContext
from bot.services.steps import clean_text
from knowledge.search.searcher import Answer

#: the longest question searched (a question, not a pasted document)
MAX_QUESTION = 500


def answer_question(ctx: ServiceContext, question: str) -> Answer:
    cleaned = clean_text(question or "")
    if not cleaned:
        raise InvalidInput("请在 /ask 后写上您的问题", "the question is empty")
    if len(cleaned) > MAX_QUESTION:
        raise InvalidInput(
            f"问题过长（{len(cleaned)}字），请精简到{MAX_QUESTION}字以内",
            f"the question is too long ({len(cleaned)} > {MAX_QUESTION} characters)",
        )
    return ctx.ask(cleaned)
