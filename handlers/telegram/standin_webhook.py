"""The stand-in's webhook side (``handlers/telegram/standin.py``): ``setWebhook``,
``deleteWebhook`` and ``getWebhookInfo``, and posting queued updates to the webhook as Telegram
does: with the secret token header, up to ``max_connections`` at once, each until it is answered
200 (any other answer, or a dropped connection, is retried after ``WEBHOOK_RETRY``).
``acknowledged`` lists the update ids answered 200; ``post_to_webhook`` posts any body by hand
(to the webhook or another URL); with ``auto_deliver`` off a set webhook gets nothing by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from handlers.telegram.standin_replies import error as _error
from handlers.telegram.standin_replies import ok as _ok

#: Telegram's header carrying the webhook's secret token
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: how long the stand-in waits before posting again an update the webhook did not take
WEBHOOK_RETRY = 0.2


@dataclass
class WebhookSide:
    #: the webhook set with setWebhook (its parameters), None while polling
    webhook: dict[str, Any] | None = None
    #: update ids the webhook answered 200, in order (a second 200 for one id is listed again)
    acknowledged: list[int] = field(default_factory=list)
    #: (update id, HTTP status or 0 for a dropped connection) of every other answer
    refused: list[tuple[int, int]] = field(default_factory=list)
    #: False: a set webhook gets nothing by itself (the test posts, e.g. as a load balancer)
    auto_deliver: bool = True
    _delivery: asyncio.Task[None] | None = None

    if TYPE_CHECKING:  # the stand-in's queue, shared with getUpdates (fields of the stand-in)
        updates: list[dict[str, Any]] = field(default_factory=list)
        _changed: asyncio.Event = field(default_factory=asyncio.Event)
        _closing: bool = False

    async def post_to_webhook(
        self, body: dict[str, Any] | bytes, secret: str | None = None, url: str | None = None
    ) -> int:
        """POST ``body`` (an update, or raw bytes) to the webhook (or ``url``) as Telegram
        would, with ``secret`` as the secret token header (default: the one set; ``""`` sends
        none); returns the HTTP status."""
        assert self.webhook is not None, "no webhook set"
        token = str(self.webhook.get("secret_token") or "") if secret is None else secret
        headers = {"Content-Type": "application/json"}
        if token:
            headers[SECRET_HEADER] = token
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        target = url or str(self.webhook["url"])
        async with (
            ClientSession(timeout=ClientTimeout(total=30)) as session,
            session.post(target, data=data, headers=headers) as response,
        ):
            await response.read()
            return response.status

    async def _deliver(self) -> None:
        """Post queued updates to the webhook until each is answered 200."""
        in_flight: set[int] = set()
        tasks: set[asyncio.Task[None]] = set()

        async def post(update: dict[str, Any]) -> None:
            update_id = int(update["update_id"])
            try:
                status = await self.post_to_webhook(update)
            except (ClientError, OSError, TimeoutError):
                status = 0
            if status == 200:
                self.acknowledged.append(update_id)
                self.updates = [u for u in self.updates if u["update_id"] != update_id]
            else:
                self.refused.append((update_id, status))
                await asyncio.sleep(WEBHOOK_RETRY)
            in_flight.discard(update_id)
            self._changed.set()

        try:
            while self.webhook is not None and not self._closing:
                limit = int(self.webhook.get("max_connections") or 40)
                for update in list(self.updates):
                    if len(in_flight) >= limit:
                        break
                    if update["update_id"] in in_flight:
                        continue
                    in_flight.add(update["update_id"])
                    task = asyncio.create_task(post(update))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.5)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _stop_delivery(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            self._delivery = None

    async def _api_deletewebhook(self, _params: dict[str, Any]) -> web.Response:
        self.webhook = None
        self._stop_delivery()
        return _ok(True)

    async def _api_setwebhook(self, params: dict[str, Any]) -> web.Response:
        url = str(params.get("url") or "")
        if not url:
            return await self._api_deletewebhook(params)
        if not url.startswith(("http://", "https://")):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        self.webhook = dict(params)
        if self.auto_deliver and (self._delivery is None or self._delivery.done()):
            self._delivery = asyncio.create_task(self._deliver())
        self._changed.set()
        return _ok(True)

    async def _api_getwebhookinfo(self, _params: dict[str, Any]) -> web.Response:
        hook = self.webhook or {}
        return _ok(
            {
                "url": str(hook.get("url") or ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self.updates),
            }
        )

    async def close_webhook(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
