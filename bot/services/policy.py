"""Policy questions (政策咨询): which measure answers, in the plan's own sentence.

Owns checking a question before it is searched. The search itself (``ctx.ask``) is the
knowledge base's; channels render its ``Answer``: the answering sentence, the measure, its
lead units and deadline, or — when nothing matches well — the nearest measures, presented
as such rather than as an answer.
"""

from __future__ import annotations

from bot.services.context import ServiceContext
from bot.services.steps import required_note
from knowledge.search.searcher import Answer

#: the longest question searched (a question, not a pasted document)
MAX_QUESTION = 500


def answer_question(ctx: ServiceContext, question: str) -> Answer:
    return ctx.ask(required_note(question, ("您的问题", "the question"), MAX_QUESTION))
