"""Inline keyboards on officials' notifications, and the callback data their buttons carry.

Owns the button layout and the callback data format ``ACTION:NUMBER`` (``so:20261125-0001``),
well under Telegram's 64-byte limit. Button labels are Chinese; nothing here talks to
Telegram or the database.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

SIGN_OFF = "so"
REPLY = "re"
TRANSFER = "tr"
RESOLVE = "rs"
RETURN = "rt"
DISPATCH = "dp"

LABELS = {
    SIGN_OFF: "签收",
    REPLY: "回复",
    TRANSFER: "转派",
    RESOLVE: "办结",
    RETURN: "退单",
    DISPATCH: "派单",
}
#: Telegram refuses callback data longer than this (in bytes)
MAX_CALLBACK_DATA = 64
#: actions whose button asks for text before anything is done
NEEDS_TEXT = (REPLY, TRANSFER, RESOLVE, RETURN, DISPATCH)


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


def for_notification(kind: str, number: str) -> InlineKeyboardMarkup | None:
    """The buttons an outbox message of ``kind`` carries, if any."""
    if not number:
        return None
    if kind == "assigned":
        return handling(number)
    if kind == "dispatch_needed":
        return dispatching(number)
    return None
