"""Webhook mode: Telegram posts each update to us; it is stored in the durable inbox before
Telegram is answered 200.

Owns the webhook endpoint of ``yousu run`` (``WEBHOOK_URL``): a small aiohttp server on
``WEBHOOK_HOST:WEBHOOK_PORT`` serving the path of the URL, for a load balancer or reverse proxy
that terminates HTTPS in front of every instance. Each request is checked (Telegram's secret
token header, compared in constant time: 403 otherwise; a JSON object with an integer
``update_id``: 400 otherwise), stored (``bot.services.inbox``; a redelivery is stored once) and
only then answered 200. When the database cannot take it the answer is 503, and Telegram
posts it again later. The handler loop that polling uses (``DurableUpdates.handle``) handles
what is stored, on this instance or any other.

On stop the server stops listening, lets requests in flight finish (at most the shutdown
grace) and leaves the webhook set: the other instances keep receiving.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.config import Settings
from bot.errors import YousuError
from bot.ports import DatabaseUnavailable
from bot.services import inbox
from bot.services.context import ServiceContext
from handlers.telegram.inbox import CHANNEL, DurableUpdates

log = logging.getLogger(__name__)

#: the header in which Telegram sends the secret token given to setWebhook
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: what Telegram accepts as a secret token
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: how many connections Telegram may open to one webhook at once (its own limit is 100)
MAX_CONNECTIONS = 40
#: the largest update body taken (Telegram's are a few KB)
MAX_BODY = 1024 * 1024


class WebhookMisconfigured(YousuError):
    """The webhook settings cannot work; the operator must change them."""

    code = "webhook_misconfigured"
    http_status = 503


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str
    host: str
    port: int
    #: the path the URL names: the one route served
    path: str

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookConfig | None:
        """The webhook settings, checked; ``None`` in polling mode (no ``WEBHOOK_URL``)."""
        url = settings.webhook_url.strip()
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise WebhookMisconfigured(
                f"WEBHOOK_URL 不是有效的网址：{url}（应为 https://域名/路径）",
                f"WEBHOOK_URL is not a URL: {url}",
            )
        if settings.webhook_secret is None:
            raise WebhookMisconfigured(
                "设置了 WEBHOOK_URL 就必须设置 WEBHOOK_SECRET（否则任何人都能伪造更新）",
                "WEBHOOK_URL needs WEBHOOK_SECRET",
            )
        secret = settings.webhook_secret.get_secret_value()
        if not _SECRET.fullmatch(secret):
            raise WebhookMisconfigured(
                "WEBHOOK_SECRET 只能由 1-256 个字母、数字、下划线或减号组成",
                "WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -",
            )
        return cls(
            url=url,
            secret=secret,
            host=settings.webhook_host,
            port=settings.webhook_port,
            path=parts.path or "/",
        )


def _answer(status: int, zh: str, en: str) -> web.Response:
    return web.json_response(
        {"ok": status == 200, "description": zh, "description_en": en},
        status=status,
        dumps=lambda value: json.dumps(value, ensure_ascii=False),
    )


def _update_id(payload: Any) -> int | None:
    if not isinstance(payload, dict):
        return None
    update_id = payload.get("update_id")
    if isinstance(update_id, bool) or not isinstance(update_id, int) or update_id < 0:
        return None
    return update_id


class WebhookReceiver:
    """The webhook server of one instance: ``start`` (listen, then setWebhook), ``stop``."""

    def __init__(
        self,
        config: WebhookConfig,
        bot: Any,
        services: ServiceContext,
        updates: DurableUpdates,
        *,
        grace_seconds: float,
    ) -> None:
        self._config = config
        self._bot = bot
        self._services = services
        self._updates = updates
        self._grace = grace_seconds
        self._secret = config.secret.encode()
        self._runner: web.AppRunner | None = None
        #: the port listened on (the system's choice when the setting is 0)
        self.port = config.port

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self._config.path, self.receive)
        return app

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request refused: wrong or missing secret token")
            return _answer(403, "密钥不正确", "wrong secret token")
        try:
            payload = json.loads(await request.read())
        except (ValueError, RecursionError):  # also bad UTF-8 (UnicodeDecodeError)
            return _answer(400, "请求内容不是有效的 JSON", "body is not JSON")
        update_id = _update_id(payload)
        if update_id is None:
            return _answer(400, "请求内容不是 Telegram 更新（缺少 update_id）", "not an update")
        try:
            await inbox.store_updates(self._services, CHANNEL, [(update_id, payload)])
        except DatabaseUnavailable as exc:
            # not acknowledged: Telegram posts it again later
            log.warning("cannot store webhook update %s: %s", update_id, exc.en)
            return _answer(503, "数据库暂时不可用，请稍后重试", "database unavailable")
        self._updates.wake()
        return _answer(200, "已收到", "stored")

    async def start(self) -> None:
        """Listen, then tell Telegram where to post (every instance sets the same webhook)."""
        runner = web.AppRunner(
            self.web_app(), handle_signals=False, access_log=None, shutdown_timeout=self._grace
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._config.host, self._config.port)
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise WebhookMisconfigured(
                f"无法在 {self._config.host}:{self._config.port} 上接收 webhook：{exc.strerror}"
                "（端口被占用或地址不对？请检查 WEBHOOK_HOST / WEBHOOK_PORT）",
                f"cannot listen on {self._config.host}:{self._config.port}: {exc}",
            ) from exc
        self._runner = runner
        if runner.addresses:
            self.port = int(runner.addresses[0][1])
        await self._bot.set_webhook(
            self._config.url,
            secret_token=self._config.secret,
            allowed_updates=Update.ALL_TYPES,
            max_connections=MAX_CONNECTIONS,
        )
        log.info("receiving Telegram updates at %s (webhook)", self._config.url)

    async def stop(self) -> None:
        """Stop listening; requests in flight finish (bounded by the grace), then the rest are
        cut off (not acknowledged: Telegram posts them again)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
