"""`yousu run` without a token on a terminal: the terminal chat plays the real bot over the
local Bot API stand-in. Scripted here as a newcomer would type it."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator

import pytest

from bot.cli.chat import run_chat
from bot.config import Settings
from tests.e2e.sqlite_only import e2e_backend  # noqa: F401 - SQLite only here

pytestmark = pytest.mark.e2e


async def _typed(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def test_a_newcomer_files_answers_and_handles_a_complaint(settings: Settings) -> None:
    local = settings.model_copy(update={"telegram_bot_token": None})
    out = io.StringIO()
    await run_chat(
        local,
        _typed(
            "你好",
            "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。",
            ":官员",
            ":9",  # no such button
            "/queue",
            ":企业",
            "/mine",
            ":退出",
        ),
        out,
        within=10,
    )
    text = out.getvalue()
    assert "有诉即办" in text and "已受理您的诉求" in text
    assert "[1] 撤回（误发时）" in text  # buttons are numbered
    number = re.search(r"工单编号：(\d{8}-\d{4})", text)
    assert number is not None
    assert "已切换为 国网洛阳市偃师供电公司 的工作人员" in text
    assert "最近的消息上没有这个按钮" in text
    assert text.count(number.group(1)) >= 3  # in the ack, the unit's queue and /mine
    assert "再见" in text and "Traceback" not in text


async def test_switching_to_an_official_before_any_complaint_says_what_to_do(
    settings: Settings,
) -> None:
    out = io.StringIO()
    await run_chat(settings, _typed(":官员", ":帮助", ""), out, within=5)
    assert "先以企业身份提交一件" in out.getvalue()
    assert out.getvalue().count("终端对话演示") == 2
