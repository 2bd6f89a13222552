"""The Open311 GeoReport v2 routes (``.json`` and ``.xml``), the history extension, the
OpenAPI document and the health check.

Each route reads the request, calls one use case with plain values and renders the result.
Routing, numbering, deadlines and who may see what are the core's decisions: ``service_code``
sent by a platform is checked but not used for routing (the router reads the text, as for
every channel).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.domain import identifiers
from bot.domain.lifecycle import ComplaintNotFound
from bot.domain.records import Actor
from bot.errors import InvalidInput, YousuError
from bot.ports import DatabaseUnavailable
from bot.services import health as health_service
from bot.services import platform
from bot.services.context import ServiceContext
from bot.services.intake import Submission
from bot.services.intake_queue import IntakeQueue
from handlers.http import query, render, xml
from handlers.http.keys import ApiKeys
from knowledge.model import Measure

SERVICES = web.AppKey("services", ServiceContext)
INTAKE = web.AppKey("intake", IntakeQueue)
KEYS = web.AppKey("api_keys", ApiKeys)
MEASURES = web.AppKey("measures", tuple[Measure, ...])
SERVICE_CODES = web.AppKey("service_codes", frozenset[str])

#: the channel of everything filed through this API
CHANNEL = "http"
#: how many complaints one GET may ask for by number
MAX_IDS = 50
#: field lengths a platform may send (its account id and its own reference, as stored)
MAX_ACCOUNT = 64
MAX_REF = identifiers.MAX_REF


class UnsupportedMediaType(YousuError):
    code = "unsupported_media_type"
    http_status = 415


class UnknownServiceCode(YousuError):
    code = "unknown_service_code"
    http_status = 400

    def __init__(self, code: str) -> None:
        # echoed in the answer: what is not printable (a lone surrogate, a control character)
        # is shown escaped, or the error itself could not be encoded
        code = code.encode("utf-8", "backslashreplace").decode("utf-8")
        code = "".join(c if c.isprintable() else repr(c)[1:-1] for c in code)
        super().__init__(
            f"service_code “{code}”不存在（可用的编码见 services.json）",
            f"unknown service_code {code!r}; see services.json",
        )


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda value: json.dumps(value, ensure_ascii=False)
    )


async def _fields(request: web.Request) -> dict[str, str]:
    """The POST body's fields, form-encoded (as the spec says) or a JSON object; nested
    ``attributes`` of a JSON body become ``attributes[name]`` like their form spelling."""
    ctype = request.content_type
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.post()
        except (ValueError, LookupError) as exc:  # not UTF-8, a broken multipart, a charset
            raise InvalidInput(
                "表单内容无法读取（应为 UTF-8 编码的表单）", f"the form cannot be read: {exc}"
            ) from None
        return {k: v for k, v in form.items() if isinstance(v, str)}
    if ctype == "application/json":
        try:
            body = json.loads(await request.text())
        except RecursionError:
            raise InvalidInput("JSON 嵌套层数过多", "the JSON body is nested too deeply") from None
        except (ValueError, LookupError) as exc:  # not JSON, not UTF-8, an unknown charset
            raise InvalidInput(
                "请求内容不是合法的 JSON", f"the body is not valid JSON: {exc}"
            ) from None
        if not isinstance(body, dict):
            raise InvalidInput("JSON 请求体应为对象", "the JSON body must be an object")
        fields: dict[str, str] = {}
        for key, value in body.items():
            if key == "attributes" and isinstance(value, dict):
                for name, inner in value.items():
                    if isinstance(inner, str | int):
                        fields[f"attributes[{name}]"] = str(inner)
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                fields[key] = str(value)
        return fields
    raise UnsupportedMediaType(
        "请求格式应为 application/x-www-form-urlencoded 或 application/json",
        f"unsupported content type {ctype!r}; send form-encoded fields or JSON",
    )


def _optional(fields: Mapping[str, str], name: str, limit: int) -> str | None:
    value = (fields.get(name) or "").strip()
    if len(value) > limit:
        raise InvalidInput(f"{name} 过长（最多{limit}字）", f"{name} is longer than {limit}")
    return value or None


def _where_and_media(fields: Mapping[str, str]) -> tuple[str, ...]:
    """Open311's ``lat``/``long``, ``address_string`` and ``media_url``, kept with the
    complaint as attachments (``location:lat,long``, ``address:...``, ``url:...``), as a
    photo or a location sent in chat is."""
    kept: list[str] = []
    lat, lon = _optional(fields, "lat", 32), _optional(fields, "long", 32)
    if (lat is None) != (lon is None):
        raise InvalidInput("lat 与 long 须同时提供", "lat and long go together")
    if lat is not None and lon is not None:
        try:
            latitude, longitude = float(lat), float(lon)
        except ValueError:
            raise InvalidInput("lat/long 应为数字", "lat and long must be numbers") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise InvalidInput("lat/long 超出范围", "lat or long is out of range")
        kept.append(f"location:{latitude},{longitude}")
    address = _optional(fields, "address_string", MAX_ADDRESS)
    if address is not None:
        kept.append(f"address:{address}")
    media = _optional(fields, "media_url", MAX_MEDIA_URL)
    if media is not None:
        if not media.startswith(("https://", "http://")):
            raise InvalidInput("media_url 应为 http(s) 地址", "media_url must be an http(s) URL")
        kept.append(f"url:{media}")
    return tuple(kept)


#: the longest address and media URL kept (an attachment's name holds at most 500)
MAX_ADDRESS = 200
MAX_MEDIA_URL = 480


async def _filer(request: web.Request, fields: Mapping[str, str]) -> tuple[str, str | None, Actor]:
    """The platform (by its key's name), its account when it sends one, and the filer they
    make: ``http:PLATFORM`` or ``http:PLATFORM/ACCOUNT``, so two accounts of one platform
    file as two enterprises (and the platform sees both)."""
    platform = await request.app[KEYS].identify(request.app[SERVICES], fields.get("api_key"))
    account = _optional(fields, "account_id", MAX_ACCOUNT)
    actor = Actor(CHANNEL, platform if account is None else f"{platform}/{account}")
    return platform, account, actor


def _service_code(request: web.Request, fields: Mapping[str, str]) -> None:
    """GeoReport v2 requires ``service_code``; here it may be left out (the router reads the
    text, as for every channel, so existing clients keep working), and when it is sent it
    must be one of ``services.json``'s codes."""
    code = (fields.get("service_code") or "").strip()
    if code and code not in request.app[SERVICE_CODES]:
        raise UnknownServiceCode(code[:40])


def _fmt(request: web.Request) -> str:
    return request.match_info.get("fmt", "json")


def _answer(
    request: web.Request, entries: list[dict[str, Any]], shape: tuple[str, str]
) -> web.Response:
    if _fmt(request) == "xml":
        return web.Response(
            body=xml.document(*shape, entries), content_type=xml.CONTENT_TYPE, charset="utf-8"
        )
    return _json(entries)


async def list_services(request: web.Request) -> web.Response:
    entries = [render.service_entry(m) for m in request.app[MEASURES]]
    return _answer(request, entries, xml.SERVICES)


async def create_request(request: web.Request) -> web.Response:
    fields = await _fields(request)
    _platform, account, actor = await _filer(request, fields)
    text = fields.get("description", "")
    if not text.strip():
        raise InvalidInput("缺少诉求内容（description）", "description is required")
    _service_code(request, fields)
    ref = _optional(fields, "attributes[ref]", MAX_REF) or _optional(fields, "ref", MAX_REF)
    ack = await request.app[INTAKE].submit(
        Submission(actor, text, attachments=_where_and_media(fields), external_ref=ref)
    )
    services = request.app[SERVICES]
    notice = render.acknowledgement_notice(ack, services.sla, services.zone)
    entry = {"service_request_id": ack.number, "service_notice": notice, "account_id": account}
    return _answer(request, [entry], xml.REQUESTS)


async def _view(request: web.Request, number: str) -> platform.FiledView:
    name, account, _actor = await _filer(request, request.query)
    return await platform.filed_request(request.app[SERVICES], name, account, number)


async def get_request(request: web.Request) -> web.Response:
    view = await _view(request, request.match_info["number"])
    zone = request.app[SERVICES].zone
    entry = render.request_entry(view.complaint, view.clocks, zone, view.note, view.changed_at)
    return _answer(request, [entry], xml.REQUESTS)


async def get_history(request: web.Request) -> web.Response:
    """The extension ``requests/N/history.json``: every step the filer may read."""
    view = await _view(request, request.match_info["number"])
    zone = request.app[SERVICES].zone
    entry = render.history_entry(view.complaint, view.note, view.steps, zone, view.changed_at)
    return _answer(request, [entry], xml.REQUESTS)


async def get_requests(request: web.Request) -> web.Response:
    name, account, _actor = await _filer(request, request.query)
    services = request.app[SERVICES]
    wanted = [n.strip() for n in request.query.get("service_request_id", "").split(",")]
    numbers = list(dict.fromkeys(n for n in wanted if n))
    if len(numbers) > MAX_IDS:
        raise InvalidInput(
            f"一次最多查询{MAX_IDS}个工单", f"at most {MAX_IDS} service_request_id values"
        )
    if not numbers:  # the spec: with service_request_id, the other filters are ignored
        where = query.filed_filter(request.query, services.zone)
        mine = await platform.filed_requests(services, name, account, where)
        entries = [
            render.request_entry(f.complaint, None, services.zone, f.note, f.changed_at)
            for f in mine
        ]
        return _answer(request, entries, xml.REQUESTS)
    found = []
    for number in numbers:
        try:
            view = await platform.filed_request(services, name, account, number)
        except ComplaintNotFound:
            continue  # the spec lists what is found; unknown and others' numbers are left out
        found.append(
            render.request_entry(
                view.complaint, view.clocks, services.zone, view.note, view.changed_at
            )
        )
    return _answer(request, found, xml.REQUESTS)


async def health(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        await health_service.check_database(services)
    except DatabaseUnavailable as exc:
        return _json({"status": "unavailable", "database": exc.en}, status=503)
    return _json({"status": "ok", "database": "ok"})


async def openapi(request: web.Request) -> web.Response:
    return web.Response(body=OPENAPI.read_bytes(), content_type="application/json")


#: the API's OpenAPI 3 document, kept beside the code it describes
OPENAPI = Path(__file__).with_name("openapi.json")
#: both formats of the spec: ``.json`` and ``.xml``
FMT = "{fmt:json|xml}"


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"/open311/v2/services.{FMT}", list_services)
    app.router.add_post(f"/open311/v2/requests.{FMT}", create_request)
    app.router.add_get(f"/open311/v2/requests.{FMT}", get_requests)
    app.router.add_get(f"/open311/v2/requests/{{number:[^/]+}}.{FMT}", get_request)
    app.router.add_get(f"/open311/v2/requests/{{number:[^/]+}}/history.{FMT}", get_history)
    app.router.add_get("/open311/v2/openapi.json", openapi)
    app.router.add_get("/health", health)
