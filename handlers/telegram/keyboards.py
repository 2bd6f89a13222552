"""Inline keyboards on officials' notifications, and the callback data their buttons carry.

Owns the button layout and the callback data format ``ACTION:NUMBER`` (``so:20261125-0001``),
well under Telegram's 64-byte limit. Button labels are Chinese; nothing here talks to
Telegram or the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

SIGN_OFF = "so"
REPLY = "re"
TRANSFER = "tr"
RESOLVE = "rs"
RETURN = "rt"
DISPATCH = "dp"
VOID = "vd"
EXTEND_APPROVE = "xa"  # xa:REQUEST_ID - a supervisor approves an extension request
EXTEND_REFUSE = "xr"  # xr:REQUEST_ID - ... refuses it, with a reason

LABELS = {
    SIGN_OFF: "签收",
    REPLY: "回复",
    TRANSFER: "转派",
    RESOLVE: "办结",
    RETURN: "退单",
    DISPATCH: "派单",
    VOID: "无效",
    EXTEND_APPROVE: "批准延期",
    EXTEND_REFUSE: "驳回",
}
#: Telegram refuses callback data longer than this (in bytes)
MAX_CALLBACK_DATA = 64
#: actions whose button asks for text before anything is done
NEEDS_TEXT = (REPLY, TRANSFER, RESOLVE, RETURN, DISPATCH, VOID, EXTEND_REFUSE)


def callback_data(action: str, number: str) -> str:
    data = f"{action}:{number}"
    assert len(data.encode()) <= MAX_CALLBACK_DATA, data
    return data


def parse(data: str | None) -> tuple[str, str] | None:
    """``(action, number)`` from a button's data, or None when it is not ours."""
    action, sep, number = (data or "").partition(":")
    return (action, number) if sep and action in LABELS and number else None


def _button(action: str, number: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(LABELS[action], callback_data=callback_data(action, number))


def handling(number: str, signed_off: bool = False) -> InlineKeyboardMarkup:
    """签收 / 回复 / 转派 / 办结 / 退单; without 签收 once it was pressed."""
    first = [] if signed_off else [_button(SIGN_OFF, number)]
    return InlineKeyboardMarkup(
        [
            [*first, _button(REPLY, number), _button(RESOLVE, number)],
            [_button(TRANSFER, number), _button(RETURN, number)],
        ]
    )


def dispatching(number: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(DISPATCH, number)]])


def for_notification(
    kind: str, number: str, payload: Mapping[str, Any] | None = None
) -> InlineKeyboardMarkup | None:
    """The buttons an outbox message of ``kind`` carries, if any: officials act on theirs;
    the enterprise answers a reply (回复) and rates a resolved complaint (已解决 / 未解决)."""
    if not number:
        return None
    if kind == "assigned":
        return handling(number)
    if kind == "dispatch_needed":
        return dispatching(number)
    if kind == "extension_requested" and payload is not None and payload.get("request_id"):
        request = str(payload["request_id"])
        return InlineKeyboardMarkup(
            [[_button(EXTEND_APPROVE, request), _button(EXTEND_REFUSE, request)]]
        )
    if payload is not None and payload.get("ask_rating"):
        return solved_or_not(number)
    if kind == "reply":
        return answering(number)
    return None


# --- the enterprise's side: the conversation's choices and the rating -------------------------

#: callback data prefixes of the conversation (see ``handlers/telegram/conversation.py``)
CHOOSE = "cv"  # cv:file | cv:ask | cv:add:NUMBER - what a remembered text is
SOLVED = "ok"  # ok:NUMBER:1|0 - solved or not
STARS = "st"  # st:NUMBER:1|0:SCORE
ANSWER = "ad"  # ad:NUMBER - the next text answers the official on NUMBER
WITHDRAW = "wd"  # wd:NUMBER - 撤回, on the acknowledgement
CONVERSATION_PATTERN = rf"^({CHOOSE}|{SOLVED}|{STARS}|{ANSWER}|{WITHDRAW}):"


def _data(*parts: str) -> str:
    data = ":".join(parts)
    assert len(data.encode()) <= MAX_CALLBACK_DATA, data
    return data


def choosing(open_numbers: tuple[str, ...], limit: int = 3) -> InlineKeyboardMarkup:
    """提交诉求 / 只是咨询, and 补充到工单 N for the newest open complaints."""
    rows = [
        [
            InlineKeyboardButton("提交诉求", callback_data=_data(CHOOSE, "file")),
            InlineKeyboardButton("只是咨询", callback_data=_data(CHOOSE, "ask")),
        ]
    ]
    rows += [
        [InlineKeyboardButton(f"补充到工单 {n}", callback_data=_data(CHOOSE, "add", n))]
        for n in open_numbers[:limit]
    ]
    return InlineKeyboardMarkup(rows)


def file_after_all() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("按诉求提交", callback_data=_data(CHOOSE, "file"))]]
    )


def solved_or_not(number: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("已解决", callback_data=_data(SOLVED, number, "1")),
                InlineKeyboardButton("未解决", callback_data=_data(SOLVED, number, "0")),
            ]
        ]
    )


def stars(number: str, solved: bool) -> InlineKeyboardMarkup:
    flag = "1" if solved else "0"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "★" * score, callback_data=_data(STARS, number, flag, str(score))
                )
                for score in range(5, 0, -1)
            ]
        ]
    )


def withdrawing(number: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("撤回（误发时）", callback_data=_data(WITHDRAW, number))]]
    )


def answering(number: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("回复", callback_data=_data(ANSWER, number))]]
    )


def parse_conversation(data: str | None) -> list[str] | None:
    """The parts of a conversation button's data, or None when it is not one."""
    parts = (data or "").split(":")
    if len(parts) < 2 or parts[0] not in (CHOOSE, SOLVED, STARS, ANSWER, WITHDRAW):
        return None
    return parts
