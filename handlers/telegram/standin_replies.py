"""The Bot API's answers, as the stand-in gives them (``handlers/telegram/standin.py``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web


def ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
