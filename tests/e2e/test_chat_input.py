"""Whatever an enterprise types, the bot answers politely (a usage line, a named error, or
the result), never with the "something went wrong" of an unexpected error: ``/rate N ²`` from
the fault probe, then arbitrary commands and texts (hypothesis), through the real PTB
application and the Bot API stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from handlers.telegram import texts
from handlers.telegram.standin import BotApiStandIn
from tests.e2e.conftest import RunningBot
from tests.http.test_hostile_input import ANY_TEXT

pytestmark = pytest.mark.e2e

FIRM = 730001


@pytest.fixture
async def bot(running_bot: RunningBot) -> AsyncIterator[App]:
    async with running_bot() as app:
        yield app


async def _answer(api: BotApiStandIn, text: str) -> str:
    before = len(api.messages_to(FIRM))
    api.send_text(FIRM, text)
    answers = await api.wait_for_messages(FIRM, before + 1)
    return answers[before]


@pytest.mark.parametrize("score", ["²", "³", "½", "Ⅴ", "①", "5²"])
async def test_a_score_that_is_a_digit_but_not_a_number_gets_the_usage(
    api: BotApiStandIn, bot: App, score: str
) -> None:
    answer = await _answer(api, f"/rate 20261125-0001 {score}")
    assert answer == texts.RATE_USAGE


async def test_a_full_width_score_is_a_score(api: BotApiStandIn, bot: App) -> None:
    answer = await _answer(api, "/rate 20261125-0001 ５ 已解决")
    assert answer not in (texts.RATE_USAGE, texts.UNEXPECTED_ERROR)
    assert "20261125-0001" in answer  # the number is looked up: not found, said politely


COMMANDS = st.sampled_from(
    [
        *("", "/rate ", "/rate 20261125-0001 ", "/status ", "/followup "),
        *("/followup 20261125-0001 ", "/chase ", "/ask ", "/mine ", "/start ", "/nosuch "),
    ]
)
SCORES = st.sampled_from(["", "5 ", "1 未解决 ", "² ", "５ ", "0 ", "99999999999999999999 "])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command=COMMANDS, score=SCORES, rest=ANY_TEXT)
async def test_any_text_gets_a_polite_answer(
    api: BotApiStandIn, bot: App, command: str, score: str, rest: str
) -> None:
    text = (command + (score if command.startswith("/rate") else "") + rest).strip() or "。"
    answer = await _answer(api, text)
    assert answer != texts.UNEXPECTED_ERROR, text
