"""Inline keyboards on officials' notifications, and the callback data their buttons carry.

Owns the button layout and the callback data format ``ACTION:NUMBER`` (``so:20261125-0001``;
``du:NUMBER:UNIT`` for a dispatcher's candidate unit), within Telegram's 64-byte limit. A
notification to an official lists the actions the reader's role may take (``actions``, from
``bot.services.roles``); only those buttons are shown. Button labels are Chinese; nothing
here talks to Telegram or the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
SUPERVISE = "sv"  # sv:NUMBER - a supervisor's 督办, with a note typed next
VIEW = "vw"  # vw:NUMBER - the complaint's record and thread (查看)
DISPATCH_TO = "du"  # du:NUMBER:UNIT - a dispatcher sends it to the unit on the button

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
    SUPERVISE: "督办",
    VIEW: "查看",
    DISPATCH_TO: "派至",
}
#: the lifecycle action (``bot.domain.lifecycle.Action`` value) each button stands for;
#: a notification lists the actions its reader's role may take (``bot.services.roles``)
ACTIONS = {
    SIGN_OFF: "sign_off",
    REPLY: "reply",
    RESOLVE: "resolve",
    TRANSFER: "transfer",
    RETURN: "return",
    DISPATCH: "dispatch",
    DISPATCH_TO: "dispatch",
    VOID: "void",
    SUPERVISE: "supervise",
    EXTEND_APPROVE: "decide_extension",
    EXTEND_REFUSE: "decide_extension",
}
#: the label of the button that asks for a unit name instead of offering one
OTHER_UNIT = "其他单位"
#: Telegram refuses callback data longer than this (in bytes)
MAX_CALLBACK_DATA = 64
#: actions whose button asks for text before anything is done
NEEDS_TEXT = (REPLY, TRANSFER, RESOLVE, RETURN, DISPATCH, VOID, EXTEND_REFUSE, SUPERVISE)


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


def _allowed(button: str, actions: Sequence[str] | None) -> bool:
    """Whether the reader's role may take the button's action; ``None`` (a message queued
    before messages said so) offers every button, as the use case still checks."""
    return actions is None or ACTIONS[button] in actions


def handling(
    number: str, signed_off: bool = False, actions: Sequence[str] | None = None
) -> InlineKeyboardMarkup:
    """签收 / 回复 / 办结 / 转派 / 退单, those the reader's role may take; without 签收 once
    it was pressed."""
    first = [] if signed_off else [SIGN_OFF]
    rows = [[*first, REPLY, RESOLVE], [TRANSFER, RETURN]]
    kept = [[_button(b, number) for b in row if _allowed(b, actions)] for row in rows]
    return InlineKeyboardMarkup([row for row in kept if row])


def unit_button(number: str, unit: str) -> InlineKeyboardButton | None:
    """派至 UNIT; None when the unit's name does not fit in a button's data (其他 covers it)."""
    data = f"{DISPATCH_TO}:{number}:{unit}"
    if len(data.encode()) > MAX_CALLBACK_DATA:
        return None
    return InlineKeyboardButton(unit, callback_data=data)


def dispatching(
    number: str, units: Sequence[str] = (), actions: Sequence[str] | None = None
) -> InlineKeyboardMarkup | None:
    """The suggested unit and the next candidates, one button each, then 其他单位 (type a
    name) and 无效; only what the reader's role may do."""
    rows: list[list[InlineKeyboardButton]] = []
    last: list[InlineKeyboardButton] = []
    if _allowed(DISPATCH, actions):
        buttons = [b for unit in units if (b := unit_button(number, unit)) is not None]
        rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        other = OTHER_UNIT if buttons else LABELS[DISPATCH]
        last.append(InlineKeyboardButton(other, callback_data=callback_data(DISPATCH, number)))
    if _allowed(VOID, actions):
        last.append(_button(VOID, number))
    if last:
        rows.append(last)
    return InlineKeyboardMarkup(rows) if rows else None


def digest(payload: Mapping[str, Any]) -> InlineKeyboardMarkup | None:
    """督办 N (when the reader's role may supervise) and 查看 N, one row per order, numbered
    as the digest's text numbers them."""
    items = [i for i in payload.get("items") or [] if isinstance(i, dict) and i.get("number")]
    first = int(payload.get("first") or 1)
    actions = _actions(payload)
    rows = []
    for position, item in enumerate(items, start=first):
        number = str(item["number"])
        row = []
        if _allowed(SUPERVISE, actions):
            row.append(
                InlineKeyboardButton(
                    f"督办 {position}", callback_data=callback_data(SUPERVISE, number)
                )
            )
        row.append(
            InlineKeyboardButton(f"查看 {position}", callback_data=callback_data(VIEW, number))
        )
        rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None


def _actions(payload: Mapping[str, Any] | None) -> list[str] | None:
    actions = None if payload is None else payload.get("actions")
    return [str(a) for a in actions] if isinstance(actions, list) else None


def _units(payload: Mapping[str, Any] | None) -> list[str]:
    choices = (payload or {}).get("choices")
    if not isinstance(choices, list):
        suggested = (payload or {}).get("suggested_unit")
        return [str(suggested)] if suggested else []
    return [str(c["unit"]) for c in choices if isinstance(c, dict) and c.get("unit")]


def for_notification(
    kind: str, number: str, payload: Mapping[str, Any] | None = None
) -> InlineKeyboardMarkup | None:
    """The buttons an outbox message of ``kind`` carries, if any: officials act on theirs;
    the enterprise answers a reply (回复) and rates a resolved complaint (已解决 / 未解决)."""
    if kind == "clock_digest" and payload is not None:
        return digest(payload)
    if not number:
        return None
    if kind == "assigned":
        return handling(number, actions=_actions(payload))
    if kind == "dispatch_needed":
        return dispatching(number, _units(payload), _actions(payload))
    if kind == "extension_requested" and payload is not None and payload.get("request_id"):
        if not _allowed(EXTEND_APPROVE, _actions(payload)):
            return None
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


#: the choice's data when the policy answer was given already (只是咨询 then answers nothing)
ANSWERED = "answered"


def answered_choosing() -> InlineKeyboardMarkup:
    """提交诉求 / 只是咨询 under a policy answer to a text that may be a grievance too."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("提交诉求", callback_data=_data(CHOOSE, "file")),
                InlineKeyboardButton("只是咨询", callback_data=_data(CHOOSE, "ask", ANSWERED)),
            ]
        ]
    )


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
