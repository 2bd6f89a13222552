"""The API against its own OpenAPI document (``handlers/http/openapi.json``), property-based
with schemathesis: for every operation, generated requests (with a valid key, so the checks
reach past the key) go to ``yousu serve``'s composition on 127.0.0.1 over each database, and
every answer must be documented: no server error, a documented status and content type, a
body matching its schema. A bounded number of examples per operation keeps it short."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from bot.cli.serve import serve_api
from bot.config import Settings, load_settings
from db.bootstrap import Database
from handlers.http.routes import OPENAPI
from tests.http.conftest import KEY
from tests.sql_backends import Templates

#: examples per operation (12 operations)
EXAMPLES = 12
#: schema-valid input the API still refuses with a documented 400 (a control character in
#: an id, an unknown service_code, a blank description, a date its databases cannot hold):
#: the JSON Schema cannot say all of that, so "valid data is accepted" is not asked
REFUSALS_ALLOWED = [checks.positive_data_acceptance]
SCHEMA = schemathesis.openapi.from_path(str(OPENAPI))


@contextmanager
def live_server(config: Settings) -> Iterator[str]:
    """``yousu serve`` (``serve_api``) in a thread of its own with its own event loop, so the
    test can call it synchronously; yields its base URL."""
    ready = threading.Event()
    port: list[int] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failed: list[BaseException] = []

    def bound(number: int) -> None:
        port.append(number)
        ready.set()

    def run() -> None:
        try:
            loop.run_until_complete(serve_api(config, "127.0.0.1", 0, stop, bound))
        except BaseException as exc:  # reported to the test below
            failed.append(exc)
            ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="live-server", daemon=True)
    thread.start()
    try:
        assert ready.wait(180), "the server did not start"
        assert not failed, failed
        yield f"http://127.0.0.1:{port[0]}"
    finally:
        if not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        thread.join(60)


def _with_key(case: Any) -> None:
    if case.query is not None and "api_key" in case.query:
        case.query["api_key"] = KEY
    if isinstance(case.body, dict) and "api_key" in case.body:
        case.body["api_key"] = KEY


def test_every_answer_keeps_the_openapi_document(
    database: Database, db_templates: Templates, backend: str
) -> None:
    config = load_settings(
        _env_file=None,
        database_url=database.url,
        database_schema=db_templates.schema if backend == "postgres" else None,
        http_api_keys=f"12345:{KEY}",
    )
    with live_server(config) as base:
        for result in SCHEMA.get_all_operations():
            operation = result.ok()

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                _with_key(case)
                case.call_and_validate(base_url=base, excluded_checks=REFUSALS_ALLOWED)

            check()


async def test_the_document_is_served(client: TestClient[web.Request, web.Application]) -> None:
    response = await client.get("/open311/v2/openapi.json")
    assert response.status == 200 and response.content_type == "application/json"
    served = await response.json()
    assert served == json.loads(OPENAPI.read_text(encoding="utf-8"))
    assert served["openapi"].startswith("3.")
    documented = set(served["paths"])
    for fmt in ("json", "xml"):
        assert f"/open311/v2/requests/{{service_request_id}}/history.{fmt}" in documented
