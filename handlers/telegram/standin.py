"""A local stand-in for the Telegram Bot API: the subset python-telegram-bot uses, served by
aiohttp on 127.0.0.1 at a free port.

Owns fake Telegram for the end-to-end tests and for the terminal chat that ``yousu run``
opens without a bot token (``bot/cli/chat.py``). Tests queue updates as a user would send them
(``send_text``), the real PTB application fetches them with ``getUpdates`` (long polling, with
offsets, so confirmed updates are never fetched again), and every ``sendMessage`` is recorded;
``wait_for_messages`` polls the record with a timeout instead of sleeping. ``press`` queues a
button press (a ``callback_query`` update) on a sent message; ``answerCallbackQuery`` and the
``editMessage*`` calls are recorded (``answers``, ``edits``), and an edited keyboard replaces
the one on the recorded message. ``fail_chat`` makes
sends to one chat answer as Telegram does when the user blocked the bot (403), when the bot is
flooding (429 with ``retry_after``) or when Telegram has a bad moment (500).

Webhook mode as Telegram runs it (``handlers/telegram/standin_webhook.py``): ``setWebhook``
makes the stand-in POST each queued update to the webhook until it answers 200; ``getUpdates``
then answers 409, and ``deleteWebhook`` goes back to polling.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from handlers.telegram.standin_replies import error as _error
from handlers.telegram.standin_replies import ok as _ok
from handlers.telegram.standin_webhook import WebhookSide

TOKEN = "123456:TEST-token-for-the-stand-in"
BOT_ID = 123456
#: the longest a getUpdates call is held open, whatever timeout the client asks for
MAX_LONG_POLL = 1.0


def _clock_start() -> int:
    return int(time.time() * 1000)


@dataclass
class Sent:
    chat_id: int
    text: str
    params: dict[str, Any]
    message_id: int = 0

    @property
    def buttons(self) -> dict[str, str]:
        """The inline keyboard now on the message: label -> callback data."""
        markup = self.params.get("reply_markup")
        if not isinstance(markup, dict):
            return {}
        return {
            str(b["text"]): str(b.get("callback_data"))
            for row in markup.get("inline_keyboard", [])
            for b in row
        }


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded (sendPhoto / sendDocument with the file's bytes)."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class Answer:
    callback_query_id: str
    text: str


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    times: int | None = None  # None: every time


@dataclass
class BotApiStandIn(WebhookSide):
    updates: list[dict[str, Any]] = field(default_factory=list)
    #: every message update queued (kept after confirmation, for edits)
    sent_updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    #: getUpdates calls still to answer with 409 Conflict
    conflicts: int = 0
    #: per-chat command menus (scope "chat"): chat id -> commands
    chat_commands: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[int, Failure] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)
    edits: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    base_url: str = ""
    # numbered on from the clock, as Telegram's only grow: a stand-in started again on the same
    # database (the terminal chat) must not look like a redelivery of earlier updates
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(_clock_start()))
    _message_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(_clock_start())
    )
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _closing: bool = False

    # --- what tests do -------------------------------------------------------------------------

    def send_text(self, user_id: int, text: str, first_name: str = "企业用户") -> int:
        """Queue a private-chat text message from ``user_id``; returns its update id."""
        update_id = next(self._ids)
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self.updates.append({"update_id": update_id, "message": message})
        self.sent_updates.append({"update_id": update_id, "message": message})
        self._changed.set()
        return update_id

    def send(
        self,
        user_id: int,
        fields: dict[str, Any],
        *,
        reply_to: Sent | None = None,
        first_name: str = "企业用户",
    ) -> int:
        """Queue a private-chat message with any ``fields`` (photo, document, caption,
        location, ...), optionally as a reply to a message the bot sent; returns the update
        id."""
        update_id = next(self._ids)
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": user,
            **fields,
        }
        if reply_to is not None:
            message["reply_to_message"] = {
                "message_id": reply_to.message_id,
                "date": int(time.time()),
                "chat": {"id": reply_to.chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "有诉即办"},
                "text": reply_to.text,
            }
        self.updates.append({"update_id": update_id, "message": message})
        self.sent_updates.append({"update_id": update_id, "message": message})
        self._changed.set()
        return update_id

    def edit(self, update_id: int, text: str) -> int:
        """Queue the edit of the message that update ``update_id`` carried (Telegram sends
        ``edited_message`` with the same message id)."""
        original = next(u for u in self.sent_updates if u["update_id"] == update_id)
        edited = {**original["message"], "text": text, "edit_date": int(time.time())}
        new_id = next(self._ids)
        self.updates.append({"update_id": new_id, "edited_message": edited})
        self._changed.set()
        return new_id

    def send_photo(self, user_id: int, caption: str | None = None, file_size: int = 120_000) -> int:
        photo = [
            {"file_id": f"ph-small-{user_id}", "file_unique_id": "s", "width": 90, "height": 90},
            {
                "file_id": f"ph-{user_id}-{next(self._ids)}",
                "file_unique_id": "b",
                "width": 1280,
                "height": 960,
                "file_size": file_size,
            },
        ]
        return self.send(user_id, {"photo": photo, **({"caption": caption} if caption else {})})

    def press(self, user_id: int, message: Sent, label: str, first_name: str = "工作人员") -> str:
        """Queue a press of the button ``label`` on ``message`` by ``user_id``; returns the
        callback query's id."""
        data = message.buttons.get(label, label)  # not a label: forged callback data
        update_id = next(self._ids)
        query_id = f"cq{update_id}"
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        self.updates.append(
            {
                "update_id": update_id,
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "chat_instance": f"ci{message.chat_id}",
                    "data": data,
                    "message": {
                        "message_id": message.message_id,
                        "date": int(time.time()),
                        "chat": {"id": message.chat_id, "type": "private"},
                        "from": {"id": BOT_ID, "is_bot": True, "first_name": "有诉即办"},
                        "text": message.text,
                    },
                },
            }
        )
        self._changed.set()
        return query_id

    def fail_chat(
        self,
        chat_id: int,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int | None = None,
    ) -> None:
        self.failures[chat_id] = Failure(status, description, retry_after, times)

    def messages_to(self, chat_id: int) -> list[str]:
        return [m.text for m in self.sent if m.chat_id == chat_id]

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, within: float = 10.0
    ) -> list[str]:
        """The texts sent to ``chat_id`` once there are at least ``count``; fails after
        ``within`` seconds with what was sent."""
        deadline = time.monotonic() + within
        while len(self.messages_to(chat_id)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s) to {chat_id} within {within} s; "
                    f"got {self.messages_to(chat_id)!r}"
                )
            await asyncio.sleep(0.02)
        return self.messages_to(chat_id)

    async def wait_for_text(self, chat_id: int, contains: str, within: float = 10.0) -> str:
        """The first text sent to ``chat_id`` that contains ``contains``, waiting for it."""
        deadline = time.monotonic() + within
        while True:
            found = [t for t in self.messages_to(chat_id) if contains in t]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no message to {chat_id} containing {contains!r} within {within} s; "
                    f"got {self.messages_to(chat_id)!r}"
                )
            await asyncio.sleep(0.02)

    async def wait_for_sent(self, chat_id: int, contains: str, within: float = 10.0) -> Sent:
        """Like ``wait_for_text``, but the recorded message itself (with its buttons)."""
        text = await self.wait_for_text(chat_id, contains, within)
        return next(m for m in self.sent if m.chat_id == chat_id and m.text == text)

    async def wait_for_answer(self, query_id: str, within: float = 10.0) -> Answer:
        """The ``answerCallbackQuery`` for ``query_id``, waiting for it."""
        deadline = time.monotonic() + within
        while True:
            found = [a for a in self.answers if a.callback_query_id == query_id]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer to callback query {query_id} within {within} s")
            await asyncio.sleep(0.02)

    def called(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method.lower())

    # --- the Bot API ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.match_info["method"].lower()
        params = await _params(request)
        self.calls.append((method, params))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            self.unknown.append(method)
            return _error(404, "Not Found: method not found")
        response: web.Response = await handler(params)
        return response

    async def _api_getme(self, _params: dict[str, Any]) -> web.Response:
        return _ok(
            {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "有诉即办",
                "username": "yousu_test_bot",
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    async def _api_setmycommands(self, params: dict[str, Any]) -> web.Response:
        scope = params.get("scope")
        if isinstance(scope, str):
            scope = json.loads(scope)
        if isinstance(scope, dict) and scope.get("type") == "chat":
            self.chat_commands[int(scope["chat_id"])] = list(params.get("commands") or [])
        else:
            self.commands = list(params.get("commands") or [])
        return _ok(True)

    async def _api_getmycommands(self, _params: dict[str, Any]) -> web.Response:
        return _ok(self.commands)

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> web.Response:
        self.answers.append(Answer(str(params["callback_query_id"]), str(params.get("text", ""))))
        return _ok(True)

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> web.Response:
        return self._edit("editMessageReplyMarkup", params)

    async def _api_editmessagetext(self, params: dict[str, Any]) -> web.Response:
        return self._edit("editMessageText", params)

    def _edit(self, method: str, params: dict[str, Any]) -> web.Response:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        target = next(
            (m for m in self.sent if m.chat_id == chat_id and m.message_id == message_id), None
        )
        if target is None:
            return _error(400, "Bad Request: message to edit not found")
        self.edits.append((method, params))
        if "text" in params:
            target.text = str(params["text"])
        target.params = {**target.params, "reply_markup": params.get("reply_markup")}
        return _ok(True)

    async def _api_getupdates(self, params: dict[str, Any]) -> web.Response:
        if self.conflicts > 0:  # as Telegram answers when another client polls this token
            self.conflicts -= 1
            return _error(409, "Conflict: terminated by other getUpdates request")
        if self.webhook is not None:
            return _error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset:
            # confirming: updates before the offset are never returned again
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        wait = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        deadline = time.monotonic() + wait
        while not self.updates and not self._closing and time.monotonic() < deadline:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        limit = int(params.get("limit") or 100)
        return _ok(self.updates[:limit])

    async def _api_sendphoto(self, params: dict[str, Any]) -> web.Response:
        return self._file_sent("photo", params)

    async def _api_senddocument(self, params: dict[str, Any]) -> web.Response:
        return self._file_sent("document", params)

    async def _api_sendvoice(self, params: dict[str, Any]) -> web.Response:
        return self._file_sent("voice", params)

    async def _api_sendvideo(self, params: dict[str, Any]) -> web.Response:
        return self._file_sent("video", params)

    async def _api_sendaudio(self, params: dict[str, Any]) -> web.Response:
        return self._file_sent("audio", params)

    async def _api_sendlocation(self, params: dict[str, Any]) -> web.Response:
        text = f"[location:{params.get('latitude')},{params.get('longitude')}]"
        return self._record(int(params["chat_id"]), text, params)

    def _file_sent(self, kind: str, params: dict[str, Any]) -> web.Response:
        """A file sent by its file id is recorded as the text ``[kind:file_id]``, an uploaded
        one as ``[kind:filename]`` (its bytes in ``params[kind]``, an ``Upload``), followed
        by its caption on the next line if it has one."""
        sent = params.get(kind)
        name = sent.filename if isinstance(sent, Upload) else sent
        caption = params.get("caption")
        text = f"[{kind}:{name}]" + (f"\n{caption}" if caption else "")
        return self._record(int(params["chat_id"]), text, params)

    def uploads_to(self, chat_id: int) -> list[Upload]:
        """The files uploaded to ``chat_id``, in order."""
        return [
            value
            for m in self.sent
            if m.chat_id == chat_id
            for value in m.params.values()
            if isinstance(value, Upload)
        ]

    def _record(self, chat_id: int, text: str, params: dict[str, Any]) -> web.Response:
        message_id = next(self._message_ids)
        self.sent.append(Sent(chat_id, text, params, message_id))
        return _ok(
            {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "有诉即办"},
                "text": text,
            }
        )

    async def _api_sendmessage(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        failure = self.failures.get(chat_id)
        if failure is not None:
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    del self.failures[chat_id]
            extra = {"retry_after": failure.retry_after} if failure.retry_after else None
            return _error(failure.status, failure.description, extra)
        return self._record(chat_id, str(params["text"]), params)


async def _params(request: web.Request) -> dict[str, Any]:
    """PTB sends form fields whose non-string values are JSON; also accept a JSON body."""
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):  # an upload: keep its name and bytes
            params[key] = Upload(value.filename, value.file.read())
            continue
        if not isinstance(value, str):
            continue
        try:
            params[key] = json.loads(value) if value[:1] in "[{" else value
        except ValueError:
            params[key] = value
    params.update({k: v for k, v in request.query.items() if k not in params})
    return params


@asynccontextmanager
async def bot_api_stand_in() -> AsyncIterator[BotApiStandIn]:
    """Serve a fresh stand-in on 127.0.0.1 at a free port; ``base_url`` is what
    ``ApplicationBuilder.base_url`` (and ``TELEGRAM_BASE_URL``) takes."""
    api = BotApiStandIn()
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", api._handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = int(runner.addresses[0][1])
    api.base_url = f"http://127.0.0.1:{port}/bot"
    try:
        yield api
    finally:
        api._closing = True  # long polls still held open (a stopped client's) end now
        api._changed.set()
        await api.close_webhook()
        await runner.cleanup()
