"""Webhook mode: the stand-in posts updates to the real bot's webhook server as Telegram does;
each is stored in the durable inbox before the 200, a complaint is filed once however often
its update is posted, and requests without the right secret or without an update are refused
with nothing stored."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from bot.app import App, open_app, run_bot
from bot.config import Settings
from bot.errors import YousuError
from handlers.telegram.standin import BotApiStandIn
from handlers.telegram.webhook import WebhookConfig

pytestmark = pytest.mark.e2e

POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
NUMBER = re.compile(r"工单编号：(\d{8}-\d{4})")
SECRET = "s3cret-Token_for-the-webhook"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{port}/telegram/hook",
            "webhook_secret": SecretStr(SECRET),
            "webhook_host": "127.0.0.1",
            "webhook_port": port,
        }
    )


def _numbers(api: BotApiStandIn, users: list[int]) -> dict[int, set[str]]:
    return {u: {n for t in api.messages_to(u) for n in NUMBER.findall(t)} for u in users}


async def _until(check: object, within: float) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _count(app: App, query: str) -> int:
    async with app.database.engine.connect() as connection:
        return int((await connection.execute(text(query))).scalar_one())


@asynccontextmanager
async def webhook_bot(api: BotApiStandIn, settings: Settings) -> AsyncIterator[App]:
    async with open_app(webhook_settings(settings, free_port())) as app:
        stop = asyncio.Event()
        task = asyncio.create_task(run_bot(app, stop, "hook-a:1"))
        try:
            await _until(lambda: api.webhook is not None or task.done(), 30)
            if task.done():
                task.result()
            yield app
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)


async def test_updates_posted_to_the_webhook_are_filed_once_each(
    api: BotApiStandIn, settings: Settings
) -> None:
    users = [880_000 + i for i in range(20)]
    async with webhook_bot(api, settings) as app:
        assert api.webhook is not None
        assert api.webhook["secret_token"] == SECRET
        assert api.webhook["url"].endswith("/telegram/hook")
        ids = [api.send_text(user, POWER) for user in users]
        await _until(lambda: all(_numbers(api, users).values()), 40)
        # Telegram posts again (it missed our 200): stored once, filed once, still 200
        first = next(u for u in api.sent_updates if u["update_id"] == ids[0])
        assert await api.post_to_webhook(first) == 200
        assert await api.post_to_webhook(first) == 200
        assert await _count(app, "SELECT count(*) FROM inbox") == len(users)
        await _until(lambda: len(_numbers(api, users[:1])[users[0]]) == 1, 5)
        assert await _count(app, "SELECT count(*) FROM complaints") == len(users)
    told = _numbers(api, users)
    assert all(len(n) == 1 for n in told.values()), told
    assert len({n for ns in told.values() for n in ns}) == len(users)
    assert set(api.acknowledged) >= set(ids)
    assert api.called("getUpdates") == 0  # webhook mode never polls


async def test_wrong_secret_and_malformed_bodies_are_refused_and_nothing_stored(
    api: BotApiStandIn, settings: Settings
) -> None:
    async with webhook_bot(api, settings) as app:
        update = {"update_id": 5_000_001, "message": {"text": "x"}}
        assert await api.post_to_webhook(update, secret="wrong") == 403
        assert await api.post_to_webhook(update, secret="") == 403
        assert await api.post_to_webhook(update, secret=SECRET + "x") == 403
        assert await api.post_to_webhook(b"{not json") == 400
        assert await api.post_to_webhook(b"\xff\xfe") == 400
        assert await api.post_to_webhook(b"[1, 2]") == 400
        assert await api.post_to_webhook(b"[" * 100_000 + b"]" * 100_000) in (400, 413)
        assert await api.post_to_webhook({"update_id": "7"}) == 400
        assert await api.post_to_webhook({"update_id": True}) == 400
        assert await api.post_to_webhook({"message": {}}) == 400
        assert await _count(app, "SELECT count(*) FROM inbox") == 0


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"webhook_url": "telegram/hook"}, "WEBHOOK_URL 不是有效的网址"),
        ({"webhook_url": "https://bot.example.cn/hook"}, "必须设置 WEBHOOK_SECRET"),
        (
            {"webhook_url": "https://bot.example.cn/hook", "webhook_secret": SecretStr("a b")},
            "WEBHOOK_SECRET 只能由",
        ),
    ],
)
def test_webhook_settings_that_cannot_work_are_named(
    settings: Settings, changes: dict[str, object], says: str
) -> None:
    with pytest.raises(YousuError) as raised:
        WebhookConfig.from_settings(settings.model_copy(update=changes))
    assert says in raised.value.zh


def test_without_a_webhook_url_the_bot_polls(settings: Settings) -> None:
    assert WebhookConfig.from_settings(settings) is None


async def test_an_update_the_database_cannot_take_is_not_acknowledged(
    api: BotApiStandIn, settings: Settings, e2e_backend: str
) -> None:
    if e2e_backend != "sqlite":
        pytest.skip("the SQLite file is moved away; PostgreSQL is cut off in tests/faults")
    path = settings.data_dir / "yousu.sqlite3"
    async with webhook_bot(api, settings):
        path.rename(path.with_suffix(".away"))  # as if the folder had been cleaned out
        try:
            update = {"update_id": 5_000_002, "message": {"text": "x"}}
            assert await api.post_to_webhook(update) == 503  # Telegram will post it again
            assert not path.exists(), "an empty database was made where the lost one was"
        finally:
            path.with_suffix(".away").rename(path)
        assert await api.post_to_webhook(update) == 200


async def test_every_instance_behind_a_load_balancer_receives(
    api: BotApiStandIn, settings: Settings
) -> None:
    """Two bots in webhook mode on one database; "the load balancer" posts each update to one
    of them, and posts it again to the other (a retry after a lost answer): every complaint is
    filed once."""
    api.auto_deliver = False
    users = [885_000 + i for i in range(16)]
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{p}/telegram/hook" for p in ports]
    async with (
        open_app(webhook_settings(settings, ports[0])) as first,
        open_app(webhook_settings(settings, ports[1])) as second,
    ):
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(run_bot(app, stop, owner))
            for app, owner in ((first, "lb-a:1"), (second, "lb-b:2"))
        ]
        try:
            await _until(lambda: api.called("setWebhook") >= 2 or any(t.done() for t in tasks), 30)
            for i, user in enumerate(users):
                update_id = api.send_text(user, POWER)
                update = next(u for u in api.sent_updates if u["update_id"] == update_id)
                assert await api.post_to_webhook(update, url=urls[i % 2]) == 200
                assert await api.post_to_webhook(update, url=urls[(i + 1) % 2]) == 200
            await _until(lambda: all(_numbers(api, users).values()), 40)
            stored = await _count(second, "SELECT count(*) FROM inbox")
        finally:
            stop.set()
            await asyncio.gather(*tasks)
    told = _numbers(api, users)
    assert all(len(n) == 1 for n in told.values()), told
    assert stored == len(users)  # each stored once, whichever instance took it first
    assert api.called("getUpdates") == 0
