"""`yousu run` in webhook mode killed with SIGKILL (or stopped with SIGTERM) while the
stand-in posts a burst of updates, then started again: every update the webhook answered 200
was in the inbox when the process ended (stored before the answer), and after the restart every
complaint is filed exactly once (those stored but not handled are handled from the inbox; those
not acknowledged are posted again by "Telegram")."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.telegram.standin import BotApiStandIn
from tests.e2e.conftest import yousu_env
from tests.e2e.sqlite_only import e2e_backend  # noqa: F401 - SQLite only here
from tests.e2e.test_crash_recovery import (
    START_WITHIN,
    TEXTS,
    _answered,
    _start,
    _wait_until,
)
from tests.e2e.test_webhook import SECRET, free_port

pytestmark = pytest.mark.e2e

SENDERS = 80


def webhook_env(api: BotApiStandIn, settings: Settings, port: int) -> dict[str, str]:
    return yousu_env(
        api,
        settings,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
async def test_stopped_mid_webhook_burst_loses_and_duplicates_nothing(
    api: BotApiStandIn, settings: Settings, tmp_path: Path, stop: signal.Signals
) -> None:
    """SIGKILL: nothing finishes; SIGTERM: the webhook stops taking requests, those in flight
    are stored and answered, updates being handled finish within the (short) grace, the rest
    stay in the inbox, and the process exits 0."""
    env = {**webhook_env(api, settings, free_port()), "SHUTDOWN_GRACE_SECONDS": "1"}
    users = [820_000 + i for i in range(SENDERS)]
    first = await _start(env, tmp_path)
    try:
        await _wait_until(lambda: api.webhook is not None, START_WITHIN)
        for i, user in enumerate(users):
            api.send_text(user, TEXTS[i % len(TEXTS)])
        await _wait_until(lambda: len(_answered(api, users)) >= SENDERS // 5, START_WITHIN)
        first.send_signal(stop)
        code = await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    acknowledged = set(api.acknowledged)
    with sqlite3.connect(settings.data_dir / "yousu.sqlite3") as connection:
        stored = {i for (i,) in connection.execute("SELECT update_id FROM inbox")}
        unhandled = connection.execute(
            "SELECT count(*) FROM inbox WHERE handled_at IS NULL"
        ).fetchone()[0]
    print(
        f"\nwebhook {stop.name}: acknowledged {len(acknowledged)}, stored {len(stored)}, "
        f"answered {len(_answered(api, users))}, stored but unhandled {unhandled}"
    )
    assert acknowledged <= stored, f"acknowledged but not stored: {acknowledged - stored}"
    if stop == signal.SIGKILL:
        assert len(_answered(api, users)) < SENDERS, "the burst was over before the kill"
    else:
        assert code == 0

    second = await _start(env, tmp_path)
    try:
        await _wait_until(lambda: len(_answered(api, users)) == SENDERS, START_WITHIN)
        second.send_signal(signal.SIGTERM)
        _out, err = await second.communicate()
    finally:
        if second.returncode is None:
            second.kill()
            await second.wait()
    assert second.returncode == 0, err.decode()

    told = _answered(api, users)
    assert all(len(numbers) == 1 for numbers in told.values()), told
    with sqlite3.connect(settings.data_dir / "yousu.sqlite3") as connection:
        refs = [r for (r,) in connection.execute("SELECT external_ref FROM complaints")]
    assert len(refs) == len(set(refs)) == SENDERS
    assert api.called("getUpdates") == 0
