"""The terminal chat: `yousu run` without a bot token, on a terminal, lets a newcomer try the
real bot. The newcomer types as an enterprise and, by a command, as an official of the unit
the last complaint went to; the bot's answers appear with the same texts and buttons
(numbered) as in Telegram.

Owns nothing of the bot itself: the real python-telegram-bot application (``bot.app.run_bot``,
with the outbox worker and the sweeper) runs against the local Bot API stand-in
(``handlers.telegram.standin``) on 127.0.0.1, on the configured database (the SQLite file by
default), exactly as the end-to-end tests run it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TextIO

from bot.config import Settings

#: the demo's enterprise and official (Telegram ids no real user of the stand-in has)
ENTERPRISE_ID = 10_000_000
OFFICIAL_ID = 10_000_001
#: how long to wait for the bot's answers after a line before prompting again
ANSWER_WITHIN = 8.0
QUIET_AFTER = 0.6
NUMBER = re.compile(r"工单编号：(\d{8}-\d{4})")

HELP = """\
== yousu 终端对话演示（本地 Telegram 替身，真实机器人程序）==
直接输入文字 = 以企业身份发消息（诉求、咨询、问候……都可以试）。
  :1 :2 …     点最近一条消息上的第 N 个按钮
  :官员        切换为最近一件诉求承办单位的工作人员（自动登记）；:企业 切换回来
  :照片 说明   发送一张（虚拟）照片，可带说明文字
  :帮助        再看本说明；空行或 :退出 结束
命令与 Telegram 中相同：/start /mine /status 编号 /profile /ask 问题 /queue ……"""


@dataclass
class _Chat:
    api: object  # BotApiStandIn
    out: TextIO
    user: int = ENTERPRISE_ID
    shown: int = 0
    last_unit: str | None = None
    buttons: dict[int, list[tuple[str, object]]] = field(default_factory=dict)

    @property
    def role(self) -> str:
        return "企业" if self.user == ENTERPRISE_ID else "工作人员"


async def run_chat(
    settings: Settings, lines: AsyncIterator[str], out: TextIO, *, within: float = ANSWER_WITHIN
) -> None:
    """Serve the stand-in, run the bot against it, and play ``lines`` until they end."""
    from bot.app import open_app, run_bot  # noqa: PLC0415
    from bot.owners import owner_name  # noqa: PLC0415
    from handlers.telegram.standin import TOKEN, bot_api_stand_in  # noqa: PLC0415

    async with bot_api_stand_in() as api:
        local = settings.model_copy(
            update={"telegram_bot_token": _secret(TOKEN), "telegram_base_url": api.base_url}
        )
        async with open_app(local) as app:
            stop = asyncio.Event()
            bot = asyncio.create_task(run_bot(app, stop, owner_name()))
            chat = _Chat(api, out)
            print(HELP, file=out, flush=True)
            try:
                await _play(chat, app, lines, within, bot)
            finally:
                stop.set()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(bot, 20)
    print("再见 / bye", file=out)


async def _play(
    chat: _Chat, app: object, lines: AsyncIterator[str], within: float, bot: asyncio.Task[None]
) -> None:
    api = chat.api
    print(f"\n[{chat.role}] > ", end="", file=chat.out, flush=True)
    async for raw in lines:
        if bot.done():
            bot.result()  # the bot stopped: show why
        line = raw.strip()
        if not line or line in (":退出", ":quit", ":q"):
            return
        sent = True  # whether the line went to the bot (then its answers are awaited)
        if line in (":帮助", ":help"):
            print(HELP, file=chat.out)
            sent = False
        elif line in (":官员", ":official"):
            sent = await _become_official(chat, app)
        elif line in (":企业", ":enterprise"):
            chat.user = ENTERPRISE_ID
            print("（已切换为企业）", file=chat.out)
            sent = False
        elif re.fullmatch(r":\d+", line):
            sent = _press(chat, int(line[1:]))
        elif line.startswith((":照片", ":photo")):
            caption = line.split(maxsplit=1)[1] if " " in line else None
            api.send_photo(chat.user, caption=caption)  # type: ignore[attr-defined]
        else:
            api.send_text(chat.user, line)  # type: ignore[attr-defined]
        await _show_answers(chat, within if sent else 0.0)
        print(f"\n[{chat.role}] > ", end="", file=chat.out, flush=True)


def _press(chat: _Chat, n: int) -> bool:
    """Press the n-th button of the newest message to the current user that has buttons."""
    api = chat.api
    for sent in reversed(api.sent):  # type: ignore[attr-defined]
        if sent.chat_id == chat.user and sent.buttons:
            labels = list(sent.buttons)
            if 1 <= n <= len(labels):
                api.press(chat.user, sent, labels[n - 1])  # type: ignore[attr-defined]
                print(f"（点了“{labels[n - 1]}”）", file=chat.out)
                return True
            break
    print("（最近的消息上没有这个按钮）", file=chat.out)
    return False


async def _become_official(chat: _Chat, app: object) -> bool:
    from bot.domain.records import Actor, Role  # noqa: PLC0415
    from bot.services import queries  # noqa: PLC0415
    from bot.services.officials import register_official  # noqa: PLC0415

    services = app.services  # type: ignore[attr-defined]
    unit = chat.last_unit
    if unit is None:  # the newest complaint on file with a unit (an earlier session's too)
        mine = await queries.my_complaints(services, Actor("telegram", str(ENTERPRISE_ID)))
        unit = next((c.lead_unit for c in mine if c.lead_unit), None)
    if unit is None:
        print("（还没有已派单的诉求：先以企业身份提交一件）", file=chat.out)
        return False
    await register_official(services, OFFICIAL_ID, unit, "演示承办人", Role.HANDLER.value)
    chat.user = OFFICIAL_ID
    print(
        f"（已切换为 {unit} 的工作人员。本单位待办如下；签收：/signoff 编号，"
        "回复企业：/reply 编号 内容，办结：/resolve 编号 说明；此后新派的诉求会带按钮）",
        file=chat.out,
    )
    chat.api.send_text(OFFICIAL_ID, "/queue")  # type: ignore[attr-defined]
    return True


async def _show_answers(chat: _Chat, within: float) -> None:
    """Print what the bot sends (to either role): wait up to ``within`` for the first answer,
    then until the bot has been quiet for a moment."""
    api = chat.api
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    heard_at: float | None = None
    while True:
        sent = api.sent  # type: ignore[attr-defined]
        if len(sent) > chat.shown:
            for message in sent[chat.shown :]:
                _print_message(chat, message)
            chat.shown = len(sent)
            heard_at = loop.time()
        now = loop.time()
        if heard_at is not None and now - heard_at > QUIET_AFTER:
            return
        if heard_at is None and now >= deadline:
            return
        await asyncio.sleep(0.05)


def _print_message(chat: _Chat, message: object) -> None:
    to = "企业" if message.chat_id == ENTERPRISE_ID else "工作人员"  # type: ignore[attr-defined]
    text: str = message.text  # type: ignore[attr-defined]
    print(f"\n—— 机器人 → {to} ——\n{text}", file=chat.out)
    labels = list(message.buttons)  # type: ignore[attr-defined]
    if labels:
        print(
            "  " + "  ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)), file=chat.out
        )
    unit = re.search(r"承办单位：(\S+)", text)
    if NUMBER.search(text) and unit and "待派单员" not in unit.group(1):
        chat.last_unit = unit.group(1)


def _secret(value: str) -> object:
    from pydantic import SecretStr  # noqa: PLC0415

    return SecretStr(value)


async def stdin_lines(source: TextIO) -> AsyncIterator[str]:
    """Lines typed on the terminal, read without blocking the bot's event loop."""
    loop = asyncio.get_running_loop()
    read: Callable[[], str] = source.readline
    while True:
        line = await loop.run_in_executor(None, read)
        if not line:
            return
        yield line
