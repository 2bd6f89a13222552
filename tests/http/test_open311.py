"""The Open311 API end to end: filing and reading complaints, and every refusal."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.services.intake import MAX_TEXT
from bot.services.intake_queue import IntakeQueue
from knowledge.base import load_knowledge_base
from tests.http.conftest import KEY, OTHER_KEY

Client = TestClient[web.Request, web.Application]

#: routed with confidence to the power company under the 2023 plan (see the CLI demo)
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
LOAN = "我们公司想贷300万流动资金，跑了两家银行都说要抵押，一个多月没有结果。"
REQUESTS = "/open311/v2/requests.json"


async def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    [error] = await response.json()
    assert error["code"] == status
    assert error["error"] == code
    assert error["description"]  # Chinese, for people
    assert "Traceback" not in await response.text()
    return dict(error)


async def file(client: Client, **fields: str) -> dict[str, Any]:
    response = await client.post(REQUESTS, data={"api_key": KEY, **fields})
    assert response.status == 200, await response.text()
    [ack] = await response.json()
    return dict(ack)


async def test_services_are_the_measures(client: Client) -> None:
    response = await client.get("/open311/v2/services.json")
    assert response.status == 200
    services = await response.json()
    measures = load_knowledge_base().measures
    assert [s["service_code"] for s in services] == [m.id for m in measures]
    first, measure = services[0], measures[0]
    assert first["service_name"] == measure.title
    assert first["metadata"] is False and first["type"] == "realtime"
    assert measure.lead_units[0] in first["description"]
    assert "完成时限" in first["description"]
    assert {s["group"] for s in services} == {
        "2023年偃师区优化营商环境实施方案",
        "2022年偃师区营商环境整改提升方案",
    }


async def test_file_a_complaint_form_encoded_then_read_it(client: Client) -> None:
    ack = await file(client, description=POWER, **{"attributes[ref]": "12345-A-77"})
    number = ack["service_request_id"]
    assert number == "20261125-0001"
    assert "诉求已受理" in ack["service_notice"] and number in ack["service_notice"]
    response = await client.get(f"/open311/v2/requests/{number}.json", params={"api_key": KEY})
    assert response.status == 200, await response.text()
    [entry] = await response.json()
    assert entry["service_request_id"] == number
    assert entry["status"] == "open"
    assert entry["status_notes"] == "已派单"
    assert entry["agency_responsible"] and entry["agency_responsible"] in ack["service_notice"]
    assert entry["service_code"] and entry["service_code"] in ack["service_notice"]
    assert entry["description"] == POWER
    assert entry["ref"] == "12345-A-77"
    assert entry["requested_datetime"] == "2026-11-25T10:00:00+08:00"
    assert entry["updated_datetime"] == "2026-11-25T10:00:00+08:00"
    # general policy: resolution in 15 working days, at 24:00 Shanghai time
    assert entry["expected_datetime"].endswith("T00:00:00+08:00")
    assert entry["expected_datetime"] > "2026-12-14"


async def test_file_as_json_and_read_by_list(client: Client) -> None:
    response = await client.post(
        REQUESTS,
        json={
            "api_key": KEY,
            "account_id": "hotline-user-9",
            "description": LOAN,
            "service_code": "2023-1",  # a known code: checked, but the text is routed
            "attributes": {"ref": "REF-9"},
        },
    )
    assert response.status == 200, await response.text()
    [ack] = await response.json()
    number = ack["service_request_id"]
    response = await client.get(
        REQUESTS,
        params={
            "api_key": KEY,
            "account_id": "hotline-user-9",
            "service_request_id": f"{number},20261125-0999",
        },
    )
    assert response.status == 200
    [entry] = await response.json()
    assert entry["service_request_id"] == number
    assert entry["ref"] == "REF-9"
    assert entry["service_code"] != "2023-1"  # routing decides, not the platform
    listed = await client.get(REQUESTS, params={"api_key": KEY, "account_id": "hotline-user-9"})
    assert [e["service_request_id"] for e in await listed.json()] == [number]


async def test_only_the_filer_may_read_a_complaint(client: Client) -> None:
    number = (await file(client, description=POWER, account_id="a1"))["service_request_id"]
    path = f"/open311/v2/requests/{number}.json"
    mine = await client.get(path, params={"api_key": KEY, "account_id": "a1"})
    assert mine.status == 200
    # the platform without the account: it filed it
    assert (await client.get(path, params={"api_key": KEY})).status == 200
    for params in (
        {"api_key": OTHER_KEY, "account_id": "a1"},  # same account name, other platform
        {"api_key": KEY, "account_id": "a2"},  # same platform, other account
        {"api_key": OTHER_KEY},  # another platform
    ):
        await refused(await client.get(path, params=params), 404, "complaint_not_found")
        listed = await client.get(REQUESTS, params={**params, "service_request_id": number})
        assert await listed.json() == []


async def test_missing_or_bad_key_is_refused(client: Client) -> None:
    await refused(await client.post(REQUESTS, data={"description": POWER}), 403, "bad_api_key")
    bad = {"api_key": "nope", "description": POWER}
    await refused(await client.post(REQUESTS, data=bad), 403, "bad_api_key")
    await refused(await client.get(REQUESTS, params={"api_key": "nope"}), 403, "bad_api_key")
    path = "/open311/v2/requests/20261125-0001.json"
    await refused(await client.get(path), 403, "bad_api_key")


async def test_empty_and_too_long_complaints_are_refused(client: Client) -> None:
    for text in ("", "   \n "):
        response = await client.post(REQUESTS, data={"api_key": KEY, "description": text})
        await refused(response, 400, "invalid_input")
    await refused(await client.post(REQUESTS, data={"api_key": KEY}), 400, "invalid_input")
    long = "用电增容" * (MAX_TEXT // 4 + 1)
    response = await client.post(REQUESTS, json={"api_key": KEY, "description": long})
    error = await refused(response, 400, "invalid_input")
    assert "过长" in error["description"]


async def test_malformed_bodies_are_refused(client: Client) -> None:
    json_type = {"Content-Type": "application/json"}
    response = await client.post(REQUESTS, data=b"{not json", headers=json_type)
    await refused(response, 400, "invalid_input")
    response = await client.post(REQUESTS, data=b'["a list"]', headers=json_type)
    await refused(response, 400, "invalid_input")
    response = await client.post(
        REQUESTS, data=POWER.encode(), headers={"Content-Type": "text/plain"}
    )
    await refused(response, 415, "unsupported_media_type")
    huge = {"api_key": KEY, "description": "x" * (65 * 1024)}
    await refused(await client.post(REQUESTS, data=huge), 413, "payload_too_large")
    await refused(await client.post(REQUESTS, json=huge), 413, "payload_too_large")


async def test_unknown_numbers_paths_and_formats(client: Client) -> None:
    path = "/open311/v2/requests/20261125-0042.json"
    await refused(await client.get(path, params={"api_key": KEY}), 404, "complaint_not_found")
    await refused(await client.get("/open311/v2/services.csv"), 404, "not_found")
    await refused(await client.get("/open311/v2/nothing.json"), 404, "not_found")
    await refused(await client.delete(REQUESTS), 405, "method_not_allowed")


async def test_concurrent_posts_are_written_together(client: Client, intake: IntakeQueue) -> None:
    async def one(i: int) -> str:
        ack = await file(client, description=f"{LOAN}（第{i}家）", account_id=f"firm{i}")
        return str(ack["service_request_id"])

    numbers = await asyncio.gather(*(one(i) for i in range(20)))
    assert len(set(numbers)) == 20
    assert sorted(numbers) == [f"20261125-{i:04d}" for i in range(1, 21)]
    assert intake.batches < 20  # group commit: fewer transactions than complaints


async def test_health_checks_the_database(client: Client) -> None:
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok"}


async def test_a_retried_request_with_the_same_ref_returns_the_same_complaint(
    client: Client,
) -> None:
    first = await file(client, description=POWER, **{"attributes[ref]": "12345-R-1"})
    again = await file(client, description=POWER, **{"attributes[ref]": "12345-R-1"})
    assert again["service_request_id"] == first["service_request_id"]
    assert "此前已受理" in again["service_notice"]
    other = await file(client, description=POWER, **{"attributes[ref]": "12345-R-2"})
    assert other["service_request_id"] != first["service_request_id"]
    # another platform (key) numbering alike files its own complaint and cannot read the first
    response = await client.post(
        REQUESTS,
        data={"api_key": OTHER_KEY, "description": LOAN, "attributes[ref]": "12345-R-1"},
    )
    assert response.status == 200, await response.text()
    [theirs] = await response.json()
    assert theirs["service_request_id"] != first["service_request_id"]
    assert "此前已受理" not in theirs["service_notice"]
    path = f"/open311/v2/requests/{theirs['service_request_id']}.json"
    [entry] = await (await client.get(path, params={"api_key": OTHER_KEY})).json()
    assert entry["description"] == LOAN and entry["ref"] == "12345-R-1"


async def test_location_address_and_media_are_kept_and_returned(client: Client) -> None:
    ack = await file(
        client,
        description=POWER,
        lat="34.7203",
        long="112.7887",
        address_string="偃师区首阳山街道工业园3号",
        media_url="https://12345.example/media/88.jpg",
    )
    path = f"/open311/v2/requests/{ack['service_request_id']}.json"
    [entry] = await (await client.get(path, params={"api_key": KEY})).json()
    assert (entry["lat"], entry["long"]) == (34.7203, 112.7887)
    assert entry["address"] == "偃师区首阳山街道工业园3号"
    assert entry["media_url"] == "https://12345.example/media/88.jpg"
    for bad in (
        {"lat": "34.7"},  # without long
        {"lat": "north", "long": "112"},
        {"lat": "95", "long": "112"},
        {"media_url": "javascript:alert(1)"},
        {"address_string": "路" * 201},
    ):
        response = await client.post(REQUESTS, data={"api_key": KEY, "description": POWER, **bad})
        await refused(response, 400, "invalid_input")
