"""The HTTP API's application: routes, the error middleware and the shared values.

``build_app(services, settings)`` is all an operator (``yousu serve``) or a test needs. Every
error leaves as Open311-style JSON: a named error with its own status, aiohttp's own refusals
(unknown path, wrong method, body over 64 KB) with theirs, anything else as a logged 500;
never a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.config import Settings
from bot.errors import YousuError
from bot.services.context import ServiceContext
from bot.services.dashboard import link_settings
from bot.services.intake_queue import IntakeQueue
from handlers.http import render, routes, xml
from handlers.http.dashboard import routes as dashboard_routes
from handlers.http.keys import ApiKeys
from handlers.http.metrics import METRICS, Metrics, metrics
from knowledge.base import load_knowledge_base

log = logging.getLogger(__name__)

#: the largest request body accepted
MAX_BODY = 64 * 1024

_HTTP_ZH = {
    404: ("接口地址不存在", "not_found"),
    405: ("该接口不支持此请求方法", "method_not_allowed"),
    413: (f"请求内容过大（上限 {MAX_BODY // 1024} KB）", "payload_too_large"),
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(request: web.Request, status: int, zh: str, code: str, en: str) -> web.Response:
    body = render.error_body(status, zh, code, en)
    if request.path.endswith(".xml"):  # an XML endpoint answers its errors in XML
        return web.Response(
            body=xml.document(*xml.ERRORS, body),
            status=status,
            content_type=xml.CONTENT_TYPE,
            charset="utf-8",
        )
    return web.json_response(
        body, status=status, dumps=lambda value: json.dumps(value, ensure_ascii=False)
    )


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except YousuError as exc:
        if exc.http_status >= 500:
            log.warning("%s %s: %s", request.method, request.path, exc.en)
        return _error(request, exc.http_status, exc.zh, exc.code, exc.en)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        zh, code = _HTTP_ZH.get(exc.status, ("请求无法处理", "http_error"))
        return _error(request, exc.status, zh, code, exc.reason)
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return _error(
            request, 500, "服务器内部错误，请稍后重试", "internal_error", "internal error"
        )


def build_app(
    services: ServiceContext, settings: Settings, *, intake: IntakeQueue | None = None
) -> web.Application:
    collected = Metrics()
    # the latency middleware outside the error one: it sees the status the client gets
    app = web.Application(middlewares=[collected.middleware, errors], client_max_size=MAX_BODY)
    app[routes.SERVICES] = services
    app[routes.INTAKE] = intake or IntakeQueue(services)
    app[routes.KEYS] = ApiKeys.parse(settings.http_api_keys)
    app[routes.MEASURES] = load_knowledge_base().measures
    app[routes.SERVICE_CODES] = frozenset(m.id for m in app[routes.MEASURES])
    app[METRICS] = collected
    routes.add_routes(app)
    app.router.add_get("/metrics", metrics)
    dashboard_routes.add_routes(app, link_settings(settings))
    return app
