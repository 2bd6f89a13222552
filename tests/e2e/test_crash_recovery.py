"""`yousu run` killed with SIGKILL in the middle of a burst of complaints, then started again:
every complaint sent is filed exactly once and every sender is answered (the durable inbox).

Before the inbox, python-telegram-bot confirmed a batch of updates to Telegram when it fetched
the next one, before handling it: a crash lost every update fetched but not yet handled."""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.telegram.standin import BotApiStandIn
from tests.e2e.conftest import yousu_env
from tests.e2e.sqlite_only import e2e_backend  # noqa: F401 - SQLite only here

pytestmark = pytest.mark.e2e


#: start-up of a fresh interpreter: imports, migrations check, router warm-up
START_WITHIN = 60.0
SENDERS = 80
TEXTS = (
    "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。",
    "我们公司想贷300万流动资金，跑了两家银行都说要抵押，一个多月没有结果。",
    "办施工许可证跑了四趟，每次都说材料不全，也不一次说清楚。",
    "去年的技改补贴到现在还没拨下来，打电话问也没人给个准话。",
    "天然气报装交了钱一个月了，燃气公司一直不来接管道。",
)
NUMBER = re.compile(r"工单编号：(\d{8}-\d{4})")


def _start(env: dict[str, str], cwd: Path) -> asyncio.Future[asyncio.subprocess.Process]:
    return asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            "--no-input",
            cwd=cwd,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    )


def _answered(api: BotApiStandIn, users: list[int]) -> dict[int, set[str]]:
    """The complaint numbers each sender was told (a redelivered update is told again)."""
    return {
        u: {m for text in api.messages_to(u) for m in NUMBER.findall(text)}
        for u in users
        if any(NUMBER.search(text) for text in api.messages_to(u))
    }


async def _wait_until(check: object, within: float) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def test_sigkill_mid_burst_loses_and_duplicates_nothing(
    api: BotApiStandIn, settings: Settings, tmp_path: Path
) -> None:
    env = yousu_env(api, settings)
    users = [810_000 + i for i in range(SENDERS)]
    update_ids = [api.send_text(u, TEXTS[i % len(TEXTS)]) for i, u in enumerate(users)]
    first = await _start(env, tmp_path)
    try:
        # kill it once a fifth of the senders have their answer, the rest still in its hands
        await _wait_until(lambda: len(_answered(api, users)) >= SENDERS // 5, START_WITHIN)
        first.kill()
        await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    answered_before = len(_answered(api, users))
    assert answered_before < SENDERS, "the burst was over before the kill: nothing was tested"

    second = await _start(env, tmp_path)
    try:
        await _wait_until(lambda: len(_answered(api, users)) == SENDERS, START_WITHIN)
        second.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            _out, err = await second.communicate()
    finally:
        if second.returncode is None:
            second.kill()
            await second.wait()
    assert second.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()

    told = _answered(api, users)
    assert all(len(numbers) == 1 for numbers in told.values()), told  # one complaint each
    with sqlite3.connect(settings.data_dir / "yousu.sqlite3") as connection:
        refs = [r for (r,) in connection.execute("SELECT external_ref FROM complaints")]
        numbers = {n for (n,) in connection.execute("SELECT number FROM complaints")}
        pending = connection.execute(
            "SELECT count(*) FROM inbox WHERE handled_at IS NULL AND failed_at IS NULL"
        ).fetchone()[0]
    # stored once each: no loss, no duplicate
    assert len(refs) == len(set(refs)) == len(update_ids)  # one complaint per message
    assert all(ref.startswith("tg-msg-") for ref in refs)
    assert numbers == {n for ns in told.values() for n in ns}
    assert pending == 0
