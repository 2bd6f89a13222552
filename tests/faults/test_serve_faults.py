"""`yousu serve` under a burst of POSTs: killed with SIGKILL (every acknowledged complaint is
stored; the platform posts the unanswered ones again and each is filed once), and stopped with
SIGTERM (requests in flight are finished and answered, none acknowledged is lost, the process
exits cleanly)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.faults.conftest import stored_refs
from tests.faults.harness import Burst, Tally, base_env, kill, start_serve, terminate

POSTS = 400


async def test_sigkill_mid_burst_then_retry(data_dir: Path, tmp_path: Path) -> None:
    env = base_env(data_dir)
    refs = [f"K9-{i:05d}" for i in range(POSTS)]
    process, base = await start_serve(env, tmp_path, tmp_path / "serve1.log")
    burst = Burst(base, refs)
    running = asyncio.create_task(burst.run())
    try:
        await burst.until_acknowledged(POSTS // 4)
        await kill(process)
        await running
    finally:
        await kill(process)
    at_kill = Tally("serve kill -9 mid-burst", set(burst.acknowledged), stored_refs(data_dir))
    at_kill.extra["posted"] = POSTS
    at_kill.extra["unanswered"] = sum(1 for s in burst.statuses.values() if s != 200)
    at_kill.check()
    assert len(burst.acknowledged) < POSTS, "the burst was over before the kill"

    # the platform posts again what it got no answer for: filed once each, nothing twice
    process, base = await start_serve(env, tmp_path, tmp_path / "serve2.log")
    try:
        retry = Burst(base, refs)
        await retry.run([r for r in refs if burst.statuses.get(r) != 200])
    finally:
        assert await terminate(process) == 0
    after = Tally(
        "serve kill -9, after the retry",
        set(burst.acknowledged) | set(retry.acknowledged),
        stored_refs(data_dir),
    )
    after.check()
    assert after.acknowledged == set(refs)


async def test_sigterm_mid_burst_finishes_what_is_in_flight(data_dir: Path, tmp_path: Path) -> None:
    env = base_env(data_dir, SHUTDOWN_GRACE_SECONDS="30")
    refs = [f"TERM-{i:05d}" for i in range(POSTS)]
    process, base = await start_serve(env, tmp_path, tmp_path / "serve.log")
    burst = Burst(base, refs, concurrency=32)
    running = asyncio.create_task(burst.run())
    try:
        await burst.until_acknowledged(POSTS // 4)
        before = len(burst.acknowledged)
        code = await terminate(process)
        await running
    finally:
        await kill(process)
    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert code == 0, log
    assert "Traceback" not in log
    tally = Tally("serve SIGTERM mid-burst", set(burst.acknowledged), stored_refs(data_dir))
    finished = len(burst.acknowledged) - before
    tally.extra["answered after SIGTERM"] = finished
    tally.extra["refused or cut"] = sum(1 for s in burst.statuses.values() if s != 200)
    tally.extra["server errors"] = sum(1 for s in burst.statuses.values() if s >= 500)
    tally.check()
    assert finished > 0, "nothing in flight was finished after SIGTERM"
    assert tally.extra["server errors"] == 0
