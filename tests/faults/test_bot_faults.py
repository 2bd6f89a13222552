"""`yousu run` (polling the stand-in) stopped with SIGTERM in the middle of a burst of
messages: it stops polling, finishes the updates in flight (bounded), leaves the rest in the
inbox and exits 0; every update it confirmed to Telegram is stored, and after a restart every
message is filed exactly once."""

from __future__ import annotations

from pathlib import Path

from handlers.telegram.standin import TOKEN, BotApiStandIn
from tests.e2e.test_crash_recovery import NUMBER, TEXTS
from tests.faults.conftest import sqlite_rows, stored_refs
from tests.faults.harness import Tally, base_env, kill, start, terminate, until

SENDERS = 120


def answered(api: BotApiStandIn, users: list[int]) -> dict[int, set[str]]:
    return {
        u: numbers
        for u in users
        if (numbers := {n for t in api.messages_to(u) for n in NUMBER.findall(t)})
    }


async def test_sigterm_mid_burst_leaves_the_rest_in_the_inbox(
    api: BotApiStandIn, data_dir: Path, tmp_path: Path
) -> None:
    env = base_env(
        data_dir,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=api.base_url,
        SHUTDOWN_GRACE_SECONDS="20",
    )
    users = [830_000 + i for i in range(SENDERS)]
    sent = {api.send_text(u, TEXTS[i % len(TEXTS)]) for i, u in enumerate(users)}
    log = tmp_path / "run1.log"
    first = await start(["run", "--no-input"], env, tmp_path, log)
    try:
        await until(lambda: len(answered(api, users)) >= SENDERS // 5)
        code = await terminate(first)
    finally:
        await kill(first)
    text = log.read_text(encoding="utf-8")
    assert code == 0, text
    assert "Traceback" not in text
    confirmed = {str(i) for i in sent - {u["update_id"] for u in api.updates}}
    stored = [str(i) for (i,) in sqlite_rows(data_dir, "SELECT update_id FROM inbox")]
    (handled,) = sqlite_rows(data_dir, "SELECT count(*) FROM inbox WHERE handled_at IS NOT NULL")
    at_stop = Tally("run SIGTERM mid-burst (confirmed to Telegram vs inbox)", confirmed, stored)
    at_stop.extra["handled before exit"] = handled[0]
    at_stop.extra["answered"] = len(answered(api, users))
    at_stop.check()
    assert len(answered(api, users)) < SENDERS, "the burst was over before SIGTERM"

    second = await start(["run", "--no-input"], env, tmp_path, tmp_path / "run2.log")
    try:
        await until(lambda: len(answered(api, users)) == SENDERS)
        assert await terminate(second) == 0
    finally:
        await kill(second)
    told = answered(api, users)
    refs = stored_refs(data_dir)
    after = Tally("run SIGTERM, after the restart", {str(u) for u in users}, [])
    after.stored = [str(u) for u, numbers in told.items() for _ in numbers]
    after.extra["complaints"] = len(refs)
    after.check()
    assert len(refs) == len(set(refs)) == SENDERS
