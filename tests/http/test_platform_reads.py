"""What the 12345 platform reads over the API: every complaint its key filed (``account_id``
narrows), the list's filters, the unit's latest reply in ``status_notes``, the history
extension, ``service_code`` checked, and the same answers as the spec's XML."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.domain.records import Actor, Role
from bot.services import enterprise, handling
from bot.services.context import ServiceContext
from knowledge.base import load_knowledge_base
from tests.http.conftest import KEY, OTHER_KEY
from tests.http.test_open311 import LOAN, POWER, REQUESTS, file, refused
from tests.support import FixedClock, add_official

Client = TestClient[web.Request, web.Application]


async def _list(client: Client, **params: str) -> list[str]:
    response = await client.get(REQUESTS, params={"api_key": KEY, **params})
    assert response.status == 200, await response.text()
    return [e["service_request_id"] for e in await response.json()]


async def test_a_key_sees_every_complaint_it_filed_and_an_account_narrows(
    client: Client,
) -> None:
    a = (await file(client, description=POWER, account_id="caller-1"))["service_request_id"]
    b = (await file(client, description=LOAN, account_id="caller-2"))["service_request_id"]
    c = (await file(client, description=f"{LOAN}（平台自己）"))["service_request_id"]
    theirs = await client.post(REQUESTS, data={"api_key": OTHER_KEY, "description": POWER})
    assert theirs.status == 200
    assert await _list(client) == [c, b, a]  # newest first, every account, not the other key's
    assert await _list(client, account_id="caller-1") == [a]
    assert await _list(client, account_id="nobody") == []
    [other] = await (await client.get(REQUESTS, params={"api_key": OTHER_KEY})).json()
    assert other["service_request_id"] not in (a, b, c)


async def test_dates_status_and_updated_after_filter_the_list(
    client: Client, ctx: ServiceContext, clock: FixedClock
) -> None:
    first = (await file(client, description=POWER, account_id="x"))["service_request_id"]
    clock.advance(days=2)  # 2026-11-27 10:00 Beijing
    second = (await file(client, description=LOAN, account_id="y"))["service_request_id"]
    assert await _list(client, start_date="2026-11-26") == [second]
    assert await _list(client, end_date="2026-11-26") == [first]
    assert await _list(client, start_date="2026-11-25T10:00:00+08:00") == [second, first]
    assert await _list(client, start_date="2026-11-25T02:00:01Z") == [second]
    assert await _list(client, start_date="2026-11-25", end_date="2026-11-25") == [first]

    clock.advance(hours=1)
    view = await client.get(f"/open311/v2/requests/{first}.json", params={"api_key": KEY})
    [entry] = await view.json()
    handler = await add_official(ctx.uow_factory, 501, entry["agency_responsible"], Role.HANDLER)
    await handling.sign_off(ctx, handler, first)
    await handling.resolve(ctx, handler, first, "已完成增容，供电方案已送达企业。")
    await enterprise.rate(ctx, Actor("http", "12345/x"), first, solved=True, score=5)
    assert await _list(client, status="closed") == [first]
    assert await _list(client, status="open") == [second]
    assert await _list(client, status="open,closed") == [second, first]
    assert await _list(client, updated_after="2026-11-27T10:30:00+08:00") == [first]
    assert await _list(client, updated_after="2026-11-27T12:00:00+08:00") == []
    # a supervision changes no column of the complaint, but the platform can read it
    clock.advance(hours=2)  # 13:00
    supervisor = await add_official(ctx.uow_factory, 502, None, Role.SUPERVISOR)
    await handling.supervise(ctx, supervisor, second, "请加快办理")
    assert await _list(client, updated_after="2026-11-27T12:00:00+08:00") == [second]
    path = f"/open311/v2/requests/{second}.json"
    [entry] = await (await client.get(path, params={"api_key": KEY})).json()
    assert entry["updated_datetime"] == "2026-11-27T13:00:00+08:00"
    listed = await client.get(REQUESTS, params={"api_key": KEY, "status": "open"})
    assert (await listed.json())[0]["updated_datetime"] == "2026-11-27T13:00:00+08:00"


async def test_bad_filters_are_400_with_the_error_shape(client: Client) -> None:
    for params in (
        {"start_date": "yesterday"},
        {"end_date": "2026-13-01"},
        {"updated_after": "2026-11-25T25:00:00Z"},
        {"status": "pending"},
        {"status": ","},
        {"start_date": "2026-11-30", "end_date": "2026-11-01"},  # backwards
        {"start_date": "2026-01-01", "end_date": "2026-11-01"},  # over 90 days
        {"start_date": "0001-01-01T00:00:00+14:00"},  # the databases could not hold it in UTC
    ):
        response = await client.get(REQUESTS, params={"api_key": KEY, **params})
        error = await refused(response, 400, "invalid_input")
        assert next(iter(params)) in error["description"] or "start_date" in error["description"]


async def test_status_notes_carry_the_units_latest_reply_and_history_is_readable(
    client: Client, ctx: ServiceContext, clock: FixedClock
) -> None:
    ack = await file(client, description=POWER, account_id="caller-7")
    number = ack["service_request_id"]
    path = f"/open311/v2/requests/{number}.json"
    [entry] = await (await client.get(path, params={"api_key": KEY})).json()
    lead = entry["agency_responsible"]
    assert entry["status_notes"] == "已派单"
    other = next(u.name for u in load_knowledge_base().units.all_units() if u.name != lead)
    handler = await add_official(ctx.uow_factory, 601, lead, Role.UNIT_ADMIN, "张三")
    clock.advance(minutes=5)
    await handling.reply(ctx, handler, number, "已收到，正在与供电公司核实增容方案。")
    [entry] = await (await client.get(path, params={"api_key": KEY})).json()
    assert entry["status_notes"] == "办理中：已收到，正在与供电公司核实增容方案。"
    listed = await client.get(REQUESTS, params={"api_key": KEY})
    assert (await listed.json())[0]["status_notes"] == entry["status_notes"]

    clock.advance(minutes=5)
    await handling.transfer(ctx, handler, number, other, "属于该单位职责")
    second = await add_official(ctx.uow_factory, 602, other, Role.HANDLER, "李四")
    await handling.sign_off(ctx, second, number)
    clock.advance(hours=1)
    await handling.resolve(ctx, second, number, "已协调解决，增容方案本周送达。")
    await enterprise.rate(
        ctx, Actor("http", "12345/caller-7"), number, solved=True, score=4, comment="满意"
    )
    history = await client.get(
        f"/open311/v2/requests/{number}/history.json", params={"api_key": KEY}
    )
    assert history.status == 200, await history.text()
    [record] = await history.json()
    assert record["service_request_id"] == number and record["status"] == "closed"
    assert record["status_notes"] == "已结案：已协调解决，增容方案本周送达。"
    steps = [(s["type"], s["notes"], s["agency"]) for s in record["history"]]
    kinds = [k for k, _n, _a in steps]
    assert kinds == [
        "submitted",
        "routed",
        "signed_off",
        "replied",
        "transferred",
        "signed_off",
        "resolved",
        "rated",
        "closed",
    ]  # fmt: skip (a reply before signing off signs off first)
    assert ("replied", "已收到，正在与供电公司核实增容方案。", None) in steps
    assert ("transferred", "属于该单位职责", other) in steps
    rated = record["history"][kinds.index("rated")]
    assert (rated["score"], rated["solved"], rated["notes"]) == (4, True, "满意")
    assert all(s["datetime"].endswith("+08:00") for s in record["history"])
    text = await history.text()
    assert "张三" not in text and "李四" not in text and "telegram" not in text  # no officials
    # the account reads it; another account and another key do not
    mine = {"api_key": KEY, "account_id": "caller-7"}
    hpath = f"/open311/v2/requests/{number}/history.json"
    assert (await client.get(hpath, params=mine)).status == 200
    for params in ({"api_key": KEY, "account_id": "caller-8"}, {"api_key": OTHER_KEY}):
        await refused(await client.get(hpath, params=params), 404, "complaint_not_found")


async def test_service_code_is_checked_and_may_be_left_out(client: Client) -> None:
    response = await client.post(
        REQUESTS, data={"api_key": KEY, "description": POWER, "service_code": "2099-1"}
    )
    error = await refused(response, 400, "unknown_service_code")
    assert "2099-1" in error["description"]
    listed = await client.get(REQUESTS, params={"api_key": KEY})
    assert await listed.json() == []  # nothing filed
    assert (await file(client, description=POWER, service_code="2023-1"))["service_request_id"]
    assert (await file(client, description=LOAN))["service_request_id"]  # absent: by content


def _xml(text: str) -> ElementTree.Element:
    return ElementTree.fromstring(text.encode())


def _fields(element: ElementTree.Element) -> dict[str, Any]:
    return {child.tag: child.text for child in element}


async def test_xml_beside_json(client: Client, ctx: ServiceContext) -> None:
    services = await client.get("/open311/v2/services.xml")
    assert services.status == 200 and services.content_type == "text/xml"
    root = _xml(await services.text())
    assert root.tag == "services"
    first = _fields(root[0])
    measure = load_knowledge_base().measures[0]
    assert (first["service_code"], first["service_name"]) == (measure.id, measure.title)
    assert (first["metadata"], first["type"]) == ("false", "realtime")

    fields = {"api_key": KEY, "description": POWER, "account_id": "x1", "lat": "34.7"}
    response = await client.post("/open311/v2/requests.xml", data={**fields, "long": "112.8"})
    assert response.status == 200, await response.text()
    root = _xml(await response.text())
    assert root.tag == "service_requests" and root[0].tag == "request"
    ack = _fields(root[0])
    number = ack["service_request_id"]
    assert "诉求已受理" in ack["service_notice"] and ack["account_id"] == "x1"

    as_json = await client.get(f"/open311/v2/requests/{number}.json", params={"api_key": KEY})
    [entry] = await as_json.json()
    as_xml = await client.get(f"/open311/v2/requests/{number}.xml", params={"api_key": KEY})
    request = _fields(_xml(await as_xml.text())[0])
    for name in ("service_request_id", "status", "status_notes", "agency_responsible"):
        assert request[name] == entry[name]
    assert (float(request["lat"]), float(request["long"])) == (34.7, 112.8)
    assert request["zipcode"] is None  # empty element
    listed = _xml(
        await (await client.get("/open311/v2/requests.xml", params={"api_key": KEY})).text()
    )
    assert [_fields(r)["service_request_id"] for r in listed] == [number]
    history = await client.get(
        f"/open311/v2/requests/{number}/history.xml", params={"api_key": KEY}
    )
    steps = _xml(await history.text())[0].find("history")
    assert steps is not None and [s.findtext("type") for s in steps] == ["submitted", "routed"]

    # errors of an XML endpoint are the spec's XML errors
    refused_xml = await client.get("/open311/v2/requests.xml", params={"api_key": "nope"})
    assert refused_xml.status == 403 and refused_xml.content_type == "text/xml"
    error = _fields(_xml(await refused_xml.text())[0])
    assert error["code"] == "403" and error["description"] == "api_key 无效"
