"""Posting the 12345 platform's callbacks: the ``callback`` channel of the outbox.

Each message (``bot.services.callbacks``) is rendered as JSON (``render.callback_body``) and
POSTed to the URL its key has now, with

- ``X-Yousu-Delivery``: the delivery id (``yousu-<outbox id>``), the same on every retry of
  one change, so the receiver can drop a repeat;
- ``X-Yousu-Signature: sha256=<hex>``: HMAC-SHA256 of the exact body with the key's signing
  secret (printed by ``yousu apikeys create --callback-url``);
- ``X-Yousu-Event``: what happened (``replied``, ``transferred``, ``resolved``, ...).

A 2xx answer is a delivery; anything else, a time-out or a refused connection is retried by
the outbox worker with backoff. A key revoked or without a callback any more gives up at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import tzinfo

import aiohttp

from bot.domain.records import OutboxMessage
from bot.ports import DeliveryFailed
from bot.services import api_keys
from bot.services.callbacks import CHANNEL
from bot.services.context import ServiceContext
from handlers.http import render

#: how long one callback may take
TIMEOUT = aiohttp.ClientTimeout(total=10)
DELIVERY_HEADER = "X-Yousu-Delivery"
SIGNATURE_HEADER = "X-Yousu-Signature"
EVENT_HEADER = "X-Yousu-Event"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery_id(message: OutboxMessage) -> str:
    return f"yousu-{message.id}"


def body_of(message: OutboxMessage, zone: tzinfo) -> bytes:
    payload = render.callback_body(delivery_id(message), message.payload, zone)
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()


class CallbackNotifier:
    """The outbox's ``callback`` channel; ``close()`` when done."""

    channels = frozenset({CHANNEL})

    def __init__(self, services: ServiceContext) -> None:
        self._services = services
        self._session: aiohttp.ClientSession | None = None

    async def deliver(self, message: OutboxMessage) -> None:
        target = await api_keys.callback_target(self._services, message.address)
        if target is None:
            raise DeliveryFailed(
                f"key {message.address} is revoked or has no callback URL", retryable=False
            )
        body = body_of(message, self._services.zone)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            DELIVERY_HEADER: delivery_id(message),
            SIGNATURE_HEADER: sign(target.signing_secret, body),
            EVENT_HEADER: str(message.payload.get("step", {}).get("kind", "")),
        }
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._session.post(target.url, data=body, headers=headers) as response:
                if not 200 <= response.status < 300:
                    raise DeliveryFailed(f"callback answered HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryFailed(f"callback failed: {type(exc).__name__}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
