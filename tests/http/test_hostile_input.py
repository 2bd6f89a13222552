"""Whatever a caller sends, the API answers with a status and the Chinese error body, never a
500: the fault probe's inputs one by one, then arbitrary fields and bodies (hypothesis), on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.records import Actor
from bot.services import queries
from bot.services.context import ServiceContext
from tests.http.conftest import KEY
from tests.http.test_open311 import POWER, REQUESTS, refused

Client = TestClient[web.Request, web.Application]
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _nothing_filed(client: Client, ctx: ServiceContext) -> None:
    listed = await client.get(REQUESTS, params={"api_key": KEY})
    assert listed.status == 200 and await listed.json() == []
    assert await queries.my_complaints(ctx, Actor("http", "12345")) == []


async def test_nul_bytes_in_ref_from_and_account_are_400(
    client: Client, ctx: ServiceContext
) -> None:
    for fields in (
        {"attributes[ref]": "12345-\x00-1"},
        {"ref": "\x00"},
        {"account_id": "caller\x00001"},
    ):
        response = await client.post(
            REQUESTS, data={"api_key": KEY, "description": POWER, **fields}
        )
        error = await refused(response, 400, "invalid_input")
        assert "不可见或无法保存的字符" in error["description"], fields
        body = json.dumps({"api_key": KEY, "description": POWER, **fields})
        await refused(await client.post(REQUESTS, data=body, headers=JSON), 400, "invalid_input")
    got = await client.get(REQUESTS, params={"api_key": KEY, "account_id": "a\x00"})
    await refused(got, 400, "invalid_input")
    await _nothing_filed(client, ctx)


async def test_a_lone_surrogate_is_400(client: Client, ctx: ServiceContext) -> None:
    for fields in (
        {"ref": "12345-\ud800"},
        {"attributes": {"ref": "\udfff"}},
        {"account_id": "\ud83d"},
    ):
        # json.dumps writes the lone surrogate as an escape, as a platform's JSON library may
        body = json.dumps({"api_key": KEY, "description": POWER, **fields})
        await refused(await client.post(REQUESTS, data=body, headers=JSON), 400, "invalid_input")
    body = json.dumps({"api_key": "\ud800", "description": POWER})
    await refused(await client.post(REQUESTS, data=body, headers=JSON), 403, "bad_api_key")
    # a description is prose: the surrogate is dropped and the rest filed
    body = json.dumps({"api_key": KEY, "description": POWER + "\ud800"})
    assert (await client.post(REQUESTS, data=body, headers=JSON)).status == 200


async def test_deeply_nested_json_is_400(client: Client, ctx: ServiceContext) -> None:
    for body in ("[" * 60_000, '{"a":' * 10_000 + "1" + "}" * 10_000, "[" * 5000 + "]" * 5000):
        response = await client.post(REQUESTS, data=body, headers=JSON)
        await refused(response, 400, "invalid_input")
    nested = f'{{"api_key": "{KEY}", "description": {"[" * 30_000 + "]" * 30_000}}}'
    await refused(await client.post(REQUESTS, data=nested, headers=JSON), 400, "invalid_input")
    await _nothing_filed(client, ctx)


async def test_bodies_that_cannot_be_read_are_400(client: Client) -> None:
    for body, headers in (
        (b"api_key=k&description=\xff\xfe", FORM),
        (b'{"api_key": "\xff"}', JSON),
        (b"--x\r\n", {"Content-Type": "multipart/form-data; boundary=x"}),
        (b"a=1", {"Content-Type": "multipart/form-data"}),
        (b'{"api_key": "k"}', {"Content-Type": "application/json; charset=no-such-charset"}),
        (b"1" * 5000, JSON),  # an integer longer than Python reads
    ):
        await refused(await client.post(REQUESTS, data=body, headers=headers), 400, "invalid_input")


async def test_a_ref_longer_than_the_column_is_400(client: Client) -> None:
    fields = {"api_key": KEY, "description": POWER, "ref": "R" * 65}
    error = await refused(await client.post(REQUESTS, data=fields), 400, "invalid_input")
    assert "过长" in error["description"]
    fields["ref"] = "R" * 64
    assert (await client.post(REQUESTS, data=fields)).status == 200


# --- arbitrary input ---------------------------------------------------------------------------

#: text with what breaks storage or encoding well represented (NUL and other control
#: characters, lone surrogates, invisible and odd characters, URL and JSON syntax), or any text
HOSTILE_CHARS = st.sampled_from(
    [
        *("\x00", "\ud800", "\udfff", "\x1f", "\x7f", "\u200b", "\ufeff", "\u3000", "²", "５"),
        *("\n", "\t", " ", "a", "中", "'", '"', "\\", "%", "&", "=", "[", "{", ":"),
    ]
)
ANY_TEXT = st.one_of(
    st.text(alphabet=HOSTILE_CHARS, max_size=80),
    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Cf", "Zs", "Co"]), max_size=20),
    st.text(max_size=80),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(
    ["api_key", "description", "account_id", "ref", "attributes", "service_code", "lat"]
)
#: a valid request (the right key, a complaint that files) with any of its fields replaced
#: or added: what reaches intake and the database
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "api_key": ANY_TEXT,
        "description": ANY_TEXT | ANY_TEXT.map(lambda t: POWER + t),
        "account_id": ANY_TEXT,
        "ref": ANY_TEXT,
        "attributes": st.dictionaries(st.just("ref") | ANY_TEXT, JSON_VALUES, max_size=3),
        "service_code": JSON_VALUES,
    },
).map(lambda changed: {"api_key": KEY, "description": POWER, **changed})


def _percent(text: str) -> str:
    return "".join(f"%{b:02X}" for b in text.encode("utf-8", "surrogatepass"))


def _form(fields: dict[str, Any]) -> bytes:
    """Form-encoded as a platform would, each value UTF-8 and percent-encoded (a lone
    surrogate as the bytes it would have); nested values as their JSON."""
    pairs = []
    for key, value in fields.items():
        if key == "attributes" and isinstance(value, dict):
            pairs += [(f"attributes[{k}]", v) for k, v in value.items()]
        else:
            pairs.append((key, value))
    return "&".join(
        f"{_percent(k)}={_percent(v if isinstance(v, str) else json.dumps(v))}" for k, v in pairs
    ).encode()


#: requests: mostly valid ones with hostile fields, as JSON (json.dumps escapes a lone
#: surrogate, as many JSON libraries do) or as a form; then any JSON, any bytes, deep nesting
BODIES = st.one_of(
    FIELDS.map(lambda f: (json.dumps(f).encode(), JSON)),
    FIELDS.map(lambda f: (_form(f), FORM)),
    st.dictionaries(FIELD_NAMES | ANY_TEXT, JSON_VALUES, max_size=6).map(
        lambda f: (json.dumps(f).encode(), JSON)
    ),
    JSON_VALUES.map(lambda v: (json.dumps(v).encode(), JSON)),
    st.tuples(st.binary(max_size=300), st.sampled_from([JSON, FORM])),
    st.integers(1, 60_000).map(lambda n: (b"[" * n, JSON)),
)


def _well_formed(status: int, data: Any) -> None:
    assert status in (200, 400, 403, 413, 415), status
    assert isinstance(data, list) and len(data) == 1
    if status == 200:
        assert data[0]["service_request_id"]
    else:
        assert data[0]["code"] == status and data[0]["description"] and data[0]["error"]


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES)
async def test_any_post_gets_an_answer_never_a_500(
    client: Client, body: tuple[bytes, dict[str, str]]
) -> None:
    response = await client.post(REQUESTS, data=body[0], headers=body[1])
    text = await response.text()
    assert response.status != 500, text
    assert "Traceback" not in text
    _well_formed(response.status, await response.json())


QUERIES = st.fixed_dictionaries(
    {"account_id": ANY_TEXT},
    optional={
        "api_key": ANY_TEXT,
        "service_request_id": ANY_TEXT | st.just("20261125-0001"),
        "ref": ANY_TEXT,
    },
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(params=QUERIES)
async def test_any_query_gets_an_answer_never_a_500(client: Client, params: dict[str, str]) -> None:
    query = "&".join(f"{k}={_percent(v)}" for k, v in {"api_key": KEY, **params}.items())
    response = await client.get(f"{REQUESTS}?{query}")
    assert response.status in (200, 400, 403, 404), await response.text()
    number = params.get("service_request_id", "x")
    response = await client.get(f"/open311/v2/requests/{_percent(number)}.json?{query}")
    assert response.status in (200, 400, 403, 404), await response.text()
