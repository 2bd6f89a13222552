"""The platform's callbacks: each change to a complaint it filed is POSTed to the URL its key
registered, signed, retried through the outbox with backoff, and delivered once (a delivery
id the receiver can drop repeats by; never sent again after a success, across a restart).

The receiver is a real aiohttp server on 127.0.0.1; the sender is the outbox worker with the
real ``CallbackNotifier``, in process (both databases) and as ``yousu serve`` killed and
restarted (both databases)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.domain.records import Role
from bot.services import api_keys, handling, outbox_worker
from bot.services.context import ServiceContext
from db.bootstrap import Database
from handlers.http.callbacks import CallbackNotifier
from tests.http.test_open311 import POWER, REQUESTS
from tests.sql_backends import Templates
from tests.support import FixedClock, add_official

Client = TestClient[web.Request, web.Application]


@dataclass
class Receiver:
    """Records every callback; answers the statuses in ``answers`` first, then 200."""

    answers: list[int] = field(default_factory=list)
    seen: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        status = self.answers.pop(0) if self.answers else 200
        self.seen.append((status, dict(request.headers), await request.read()))
        self.arrived.set()
        return web.Response(status=status, text="ok" if status == 200 else "boom")

    def delivered(self) -> list[str]:
        """Delivery ids answered 200, in order."""
        return [h["X-Yousu-Delivery"] for status, h, _b in self.seen if status == 200]

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(60):
            while len(self.seen) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    found.url = str(server.make_url("/hook"))
    yield found
    await server.close()


def verify(secret: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Yousu-Signature"], expected)
    return dict(json.loads(body))


async def _deliver(ctx: ServiceContext, notifier: CallbackNotifier) -> outbox_worker.DeliveryResult:
    return await outbox_worker.deliver_due(ctx, {"callback": notifier}, "worker")


async def test_each_change_is_posted_signed_retried_and_sent_once(
    client: Client, ctx: ServiceContext, clock: FixedClock, receiver: Receiver
) -> None:
    made = await api_keys.create_key(ctx, "hotline", receiver.url)
    secret = made.record.signing_secret
    assert secret is not None
    response = await client.post(
        REQUESTS, data={"api_key": made.key, "description": POWER, "account_id": "c-1"}
    )
    assert response.status == 200, await response.text()
    [ack] = await response.json()
    number = ack["service_request_id"]
    notifier = CallbackNotifier(ctx)
    try:
        assert await _deliver(ctx, notifier) == outbox_worker.DeliveryResult(0, 0, 0)  # filing
        [entry] = await (
            await client.get(f"/open311/v2/requests/{number}.json", params={"api_key": made.key})
        ).json()
        handler = await add_official(
            ctx.uow_factory, 701, entry["agency_responsible"], Role.HANDLER
        )
        await handling.sign_off(ctx, handler, number)

        receiver.answers = [500]  # the platform is down once
        assert await _deliver(ctx, notifier) == outbox_worker.DeliveryResult(0, 1, 0)
        assert await _deliver(ctx, notifier) == outbox_worker.DeliveryResult(0, 0, 0)  # backoff
        clock.advance(seconds=5)
        assert await _deliver(ctx, notifier) == outbox_worker.DeliveryResult(1, 0, 0)
        clock.advance(hours=2)
        assert await _deliver(ctx, notifier) == outbox_worker.DeliveryResult(0, 0, 0)  # once
        (failed, h1, b1), (ok, h2, b2) = receiver.seen
        assert (failed, ok) == (500, 200)
        assert h1["X-Yousu-Delivery"] == h2["X-Yousu-Delivery"] and b1 == b2  # the same delivery
        body = verify(secret, h2, b2)
        assert body["delivery_id"] == h2["X-Yousu-Delivery"]
        assert (body["service_request_id"], body["account_id"]) == (number, "c-1")
        assert (body["status"], body["status_notes"]) == ("open", "已签收")
        assert body["event"]["type"] == "signed_off" and h2["X-Yousu-Event"] == "signed_off"
        assert body["updated_datetime"].endswith("+08:00")

        clock.advance(minutes=3)
        await handling.reply(ctx, handler, number, "已联系供电公司，三日内答复增容方案。")
        assert (await _deliver(ctx, notifier)).sent == 1
        reply = verify(secret, receiver.seen[-1][1], receiver.seen[-1][2])
        assert reply["status_notes"] == "办理中：已联系供电公司，三日内答复增容方案。"
        assert reply["event"]["notes"] == "已联系供电公司，三日内答复增容方案。"
        assert reply["delivery_id"] != body["delivery_id"]
        forged = {**receiver.seen[-1][1], "X-Yousu-Signature": "sha256=" + "0" * 64}
        with pytest.raises(AssertionError):
            verify(secret, forged, receiver.seen[-1][2])

        # a key revoked before its callback went out is told nothing more: given up at once
        await handling.resolve(ctx, handler, number, "方案已送达。")
        await api_keys.revoke_key(ctx, "hotline")
        assert await _deliver(ctx, notifier) == outbox_worker.DeliveryResult(0, 0, 1)
        assert len(receiver.seen) == 3
    finally:
        await notifier.close()


async def test_keys_without_a_callback_queue_nothing(
    client: Client, ctx: ServiceContext, receiver: Receiver
) -> None:
    made = await api_keys.create_key(ctx, "no-hook")
    assert made.record.signing_secret is None
    for key in (made.key, "k-platform-secret"):  # a database key, a settings-file key
        response = await client.post(REQUESTS, data={"api_key": key, "description": POWER})
        [ack] = await response.json()
        number = ack["service_request_id"]
        [entry] = await (
            await client.get(f"/open311/v2/requests/{number}.json", params={"api_key": key})
        ).json()
        handler = await add_official(
            ctx.uow_factory, 702, entry["agency_responsible"], Role.HANDLER
        )
        await handling.sign_off(ctx, handler, number)
    async with ctx.uow_factory() as uow:
        counts = await uow.metrics.counts()
    assert "callback" not in counts.outbox_pending


# --- `yousu serve` killed and restarted -----------------------------------------------------


async def _start_serve(env: dict[str, str]) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", "0",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
    base = line.split("http://", 1)[1].split("/open311", 1)[0]
    return process, f"http://{base}"


async def _kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def _recorded(ctx: ServiceContext, *, sent: bool) -> None:
    """Wait until the outbox holds the latest attempt: every callback sent, or one pending
    after a failed attempt."""
    for _ in range(600):
        async with ctx.uow_factory() as uow:
            counts = await uow.metrics.counts()
        pending = counts.outbox_pending.get("callback", 0)
        retrying = counts.outbox_retrying.get("callback", 0)
        if (sent and pending == 0) or (not sent and retrying == 1):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the callback was not recorded")


async def test_a_killed_and_restarted_server_never_sends_a_callback_twice(
    ctx: ServiceContext, database: Database, db_templates: Templates, backend: str,
    tmp_path: Path, receiver: Receiver,
) -> None:  # fmt: skip
    # `yousu serve` as its own process on the test's database (its clock is the real one)
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": database.url,
        "DATABASE_SCHEMA": db_templates.schema if backend == "postgres" else "",
        "HTTP_API_KEYS": "",
    }
    made = await api_keys.create_key(ctx, "hotline", receiver.url)
    process, base = await _start_serve(env)
    try:
        async with aiohttp.ClientSession() as session:
            fields = {"api_key": made.key, "description": POWER}
            async with session.post(f"{base}{REQUESTS}", data=fields) as response:
                assert response.status == 200, await response.text()
                [ack] = await response.json()
            number = ack["service_request_id"]
            path = f"{base}/open311/v2/requests/{number}.json"
            async with session.get(path, params={"api_key": made.key}) as response:
                [entry] = await response.json()
        handler = await add_official(
            ctx.uow_factory, 801, entry["agency_responsible"], Role.HANDLER
        )

        await handling.sign_off(ctx, handler, number)
        await receiver.wait_for(1)
        await _recorded(ctx, sent=True)
        await _kill(process)
        process, base = await _start_serve(env)

        receiver.answers = [503]  # the next one fails once, then the server is killed again
        await handling.reply(ctx, handler, number, "已受理，正在核实。")
        await receiver.wait_for(2)
        await _recorded(ctx, sent=False)
        await _kill(process)
        process, base = await _start_serve(env)
        await receiver.wait_for(3)  # retried after the backoff by the new process
        await _recorded(ctx, sent=True)

        await handling.resolve(ctx, handler, number, "已办结。")
        await receiver.wait_for(4)
        delivered = receiver.delivered()
        assert len(delivered) == 3 and len(set(delivered)) == 3  # each change once
        assert [s for s, _h, _b in receiver.seen] == [200, 503, 200, 200]
        events = [json.loads(b)["event"]["type"] for s, _h, b in receiver.seen if s == 200]
        assert events == ["signed_off", "replied", "resolved"]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
