"""The Open311 GeoReport v2 routes (JSON only) and the health check.

Each route reads the request, calls one use case with plain values and renders the result.
Routing, numbering, deadlines and who may see what are the core's decisions: ``service_code``
sent by a platform is not used for routing (the router reads the text, as for every channel).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.domain import identifiers
from bot.domain.lifecycle import ComplaintNotFound, PermissionDenied
from bot.domain.records import Actor
from bot.errors import InvalidInput, YousuError
from bot.ports import DatabaseUnavailable
from bot.services import health as health_service
from bot.services import queries
from bot.services.context import ServiceContext
from bot.services.intake import Submission
from bot.services.intake_queue import IntakeQueue
from handlers.http import render
from handlers.http.keys import ApiKeys
from knowledge.model import Measure

SERVICES = web.AppKey("services", ServiceContext)
INTAKE = web.AppKey("intake", IntakeQueue)
KEYS = web.AppKey("api_keys", ApiKeys)
MEASURES = web.AppKey("measures", tuple[Measure, ...])

#: the channel of everything filed through this API
CHANNEL = "http"
#: how many complaints one GET may ask for by number
MAX_IDS = 50
#: field lengths a platform may send (its account id and its own reference, as stored)
MAX_ACCOUNT = 64
MAX_REF = identifiers.MAX_REF
#: how many of the caller's complaints a GET without numbers lists
LIST_LIMIT = 50


class UnsupportedMediaType(YousuError):
    code = "unsupported_media_type"
    http_status = 415


class UnsupportedFormat(YousuError):
    code = "unsupported_format"
    http_status = 400


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda value: json.dumps(value, ensure_ascii=False)
    )


async def list_services(request: web.Request) -> web.Response:
    return _json([render.service_entry(m) for m in request.app[MEASURES]])


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


def _actor(request: web.Request, fields: Mapping[str, str]) -> Actor:
    """The filer: the platform (by its key's name), and its account when it sends one, so
    two accounts of one platform see only their own complaints."""
    platform = request.app[KEYS].name_of(fields.get("api_key"))
    account = _optional(fields, "account_id", MAX_ACCOUNT)
    return Actor(CHANNEL, platform if account is None else f"{platform}/{account}")


async def create_request(request: web.Request) -> web.Response:
    fields = await _fields(request)
    actor = _actor(request, fields)
    text = fields.get("description", "")
    if not text.strip():
        raise InvalidInput("缺少诉求内容（description）", "description is required")
    ref = _optional(fields, "attributes[ref]", MAX_REF) or _optional(fields, "ref", MAX_REF)
    ack = await request.app[INTAKE].submit(
        Submission(actor, text, attachments=_where_and_media(fields), external_ref=ref)
    )
    services = request.app[SERVICES]
    notice = render.acknowledgement_notice(ack, services.sla, services.zone)
    return _json([{"service_request_id": ack.number, "service_notice": notice}])


async def _view(services: ServiceContext, actor: Actor, number: str) -> dict[str, Any]:
    try:
        view = await queries.complaint_status(services, actor, number)
    except PermissionDenied:
        # another unit's complaint as an official sees it: to the API it does not exist
        raise ComplaintNotFound(number) from None
    return render.request_entry(view.complaint, view.clocks, services.zone)


async def get_request(request: web.Request) -> web.Response:
    actor = _actor(request, request.query)
    number = request.match_info["number"]
    return _json([await _view(request.app[SERVICES], actor, number)])


async def get_requests(request: web.Request) -> web.Response:
    actor = _actor(request, request.query)
    services = request.app[SERVICES]
    wanted = [n.strip() for n in request.query.get("service_request_id", "").split(",")]
    numbers = list(dict.fromkeys(n for n in wanted if n))
    if len(numbers) > MAX_IDS:
        raise InvalidInput(
            f"一次最多查询{MAX_IDS}个工单", f"at most {MAX_IDS} service_request_id values"
        )
    if not numbers:
        mine = await queries.my_complaints(services, actor, LIST_LIMIT)
        return _json([render.request_entry(c, None, services.zone) for c in mine])
    found = []
    for number in numbers:
        try:
            found.append(await _view(services, actor, number))
        except ComplaintNotFound:
            continue  # the spec lists what is found; unknown and others' numbers are left out
    return _json(found)


async def refuse_xml(request: web.Request) -> web.Response:
    raise UnsupportedFormat(
        "本接口仅支持 JSON 格式，请将地址中的 .xml 改为 .json",
        "only the JSON format is supported; use .json instead of .xml",
    )


async def health(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        await health_service.check_database(services)
    except DatabaseUnavailable as exc:
        return _json({"status": "unavailable", "database": exc.en}, status=503)
    return _json({"status": "ok", "database": "ok"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/open311/v2/services.json", list_services)
    app.router.add_post("/open311/v2/requests.json", create_request)
    app.router.add_get("/open311/v2/requests.json", get_requests)
    app.router.add_get(r"/open311/v2/requests/{number:[^/]+}.json", get_request)
    app.router.add_route("*", r"/open311/v2/{path:.+}.xml", refuse_xml)
    app.router.add_get("/health", health)
