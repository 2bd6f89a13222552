"""The Telegram notifier: the ``Notifier`` port (``bot.ports``) on top of a PTB ``Bot``.

Owns turning Telegram's answers into what the outbox worker understands. A message that can
never arrive (the user blocked the bot, the chat does not exist, Telegram refuses the request
as malformed) is a permanent ``DeliveryFailed``, given up at once; everything that may pass
later (flood control's RetryAfter, time-outs, network trouble, Telegram's own 5xx) is
retryable, and the worker tries again with its back-off. Officials' notifications carry their
inline buttons (``keyboards``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta, tzinfo

from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.domain.records import OutboxMessage
from bot.ports import DeliveryFailed
from handlers.telegram.keyboards import for_notification
from handlers.telegram.texts import MilestoneTitle, notification

log = logging.getLogger(__name__)

#: notifications that bring the complaint's attachments along (a unit receiving it)
FORWARDS_ATTACHMENTS = frozenset({"assigned", "dispatch_needed"})
#: attachment kind -> the Bot method that sends a file of that kind by its file id
SENDERS = {
    "photo": "send_photo",
    "document": "send_document",
    "voice": "send_voice",
    "video": "send_video",
    "audio": "send_audio",
}
#: how long one send may take before it counts as timed out (and is retried later)
SEND_TIMEOUT = 10.0
#: an upload (the weekly chart or ledger) may take longer
UPLOAD_TIMEOUT = 60.0
#: a file an outbox message names, by its key: (name, content), or None when it is gone
FileLoader = Callable[[str], Awaitable[tuple[str, bytes] | None]]


class TelegramNotifier:
    channels = frozenset({"telegram"})

    def __init__(
        self,
        bot: Bot,
        zone: tzinfo,
        milestone_title: MilestoneTitle,
        files: FileLoader | None = None,
    ) -> None:
        self._bot = bot
        self._zone = zone
        self._title = milestone_title
        self._files = files

    async def deliver(self, message: OutboxMessage) -> None:
        try:
            chat_id = int(message.address)
        except ValueError:
            raise DeliveryFailed(
                f"not a Telegram chat id: {message.address!r}", retryable=False
            ) from None
        text = notification(message, self._zone, self._title)
        number = str(message.payload.get("number") or "")
        buttons = for_notification(message.kind, number, message.payload)
        try:
            if message.payload.get("file"):
                await self._upload(chat_id, message, text)
            else:
                await self._bot.send_message(
                    chat_id,
                    text,
                    reply_markup=buttons,
                    read_timeout=SEND_TIMEOUT,
                    write_timeout=SEND_TIMEOUT,
                )
        except (Forbidden, ChatMigrated) as exc:
            raise DeliveryFailed(
                f"Telegram refused chat {chat_id}: {exc}", retryable=False
            ) from exc
        except BadRequest as exc:  # before NetworkError: BadRequest is one of them
            raise DeliveryFailed(f"Telegram bad request: {exc}", retryable=False) from exc
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise DeliveryFailed(f"flood control: {exc}", retry_after=seconds) from exc
        except (TimedOut, NetworkError) as exc:
            raise DeliveryFailed(f"Telegram unreachable: {exc}") from exc
        except TelegramError as exc:
            raise DeliveryFailed(f"Telegram error: {exc}") from exc
        if message.kind in FORWARDS_ATTACHMENTS:
            await self._forward(chat_id, message.payload.get("attachments") or [])

    async def _upload(self, chat_id: int, message: OutboxMessage, caption: str) -> None:
        """A file the message names (the weekly chart as a photo, the ledger as a document),
        uploaded with its caption."""
        key = str(message.payload["file"])
        found = None if self._files is None else await self._files(key)
        if found is None:
            raise DeliveryFailed(f"the file {key} is not stored", retryable=False)
        name, content = found
        send_as = "photo" if message.payload.get("send_as") == "photo" else "document"
        send = getattr(self._bot, SENDERS[send_as])
        await send(
            chat_id,
            InputFile(content, filename=name),
            caption=caption,
            read_timeout=UPLOAD_TIMEOUT,
            write_timeout=UPLOAD_TIMEOUT,
        )

    async def _forward(self, chat_id: int, attachments: list[object]) -> None:
        """The enterprise's photos, files and locations after the text. Best effort: the text
        is delivered already, and retrying the message would send it twice."""
        for attachment in attachments:
            kind, _sep, ref = str(attachment).partition(":")
            try:
                if kind == "location":
                    lat, _comma, lon = ref.partition(",")
                    await self._bot.send_location(chat_id, float(lat), float(lon))
                elif kind in SENDERS:
                    send = getattr(self._bot, SENDERS[kind])
                    await send(chat_id, ref, read_timeout=SEND_TIMEOUT, write_timeout=SEND_TIMEOUT)
            except (TelegramError, ValueError) as exc:
                log.warning("attachment %s not forwarded to %s: %s", kind, chat_id, exc)
