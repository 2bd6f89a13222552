"""Chinese texts of the Telegram bot that need no bot: the weekly summary as a message."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.records import OutboxMessage
from handlers.telegram.texts import MAX_MESSAGE, notification


def _summary(text: str) -> OutboxMessage:
    payload = {"week": "2026-W48", "text": text}
    return OutboxMessage(
        "weekly_summary", "telegram", "1", payload, datetime(2026, 11, 30, tzinfo=UTC)
    )


def test_a_weekly_summary_is_sent_as_the_report_itself() -> None:
    text = notification(_summary("全区 | 4"), ZoneInfo("Asia/Shanghai"), lambda p, m: m)
    assert text == "【每周统计】\n全区 | 4"


def test_a_long_summary_is_cut_to_what_telegram_accepts() -> None:
    text = notification(_summary("行" * 5000), ZoneInfo("Asia/Shanghai"), lambda p, m: m)
    assert len(text) == MAX_MESSAGE and text.endswith("…")
