"""`yousu sweep` killed with SIGKILL in the middle of a pass over many overdue clocks, then run
again: every overdue clock is recorded as breached exactly once (one event, one notice to the
supervisor in the outbox), none is skipped; batches are transactions and leased."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.domain.records import Actor, Role
from bot.domain.sla import SlaEngine
from bot.services.context import ServiceContext
from bot.services.intake import Submission
from bot.services.intake_import import import_complaints
from db.bootstrap import open_database
from tests.faults.conftest import sqlite_rows
from tests.faults.harness import TEXTS, Tally, base_env, kill, start, until
from tests.support import FixedClock, add_official

COMPLAINTS = 600
#: long enough ago that every deadline has passed, whatever day the suite runs on
FILED_AT = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)
SUPERVISOR = 990_001


async def _overdue_backlog(data_dir: Path, sla: SlaEngine) -> None:
    database = await open_database(f"sqlite+aiosqlite:///{data_dir / 'yousu.sqlite3'}")
    try:
        ctx = ServiceContext(uow_factory=database.uow_factory, sla=sla, clock=FixedClock(FILED_AT))
        await add_official(database.uow_factory, SUPERVISOR, None, Role.SUPERVISOR)
        # one enterprise each: the same text twice from one would be merged as a repeat
        await import_complaints(
            ctx,
            [
                Submission(Actor("import", f"firm{i}"), TEXTS[i % len(TEXTS)])
                for i in range(COMPLAINTS)
            ],
        )
    finally:
        await database.dispose()


def _breach_events(data_dir: Path) -> list[str]:
    """One entry per breach event: the complaint and the milestone it was for."""
    rows = sqlite_rows(
        data_dir,
        "SELECT complaint_id, json_extract(data, '$.milestone') FROM events "
        "WHERE kind = 'clock_breached'",
    )
    return [f"{c}:{m}" for c, m in rows]


def _overdue_clocks(data_dir: Path) -> set[str]:
    rows = sqlite_rows(
        data_dir,
        "SELECT complaint_id, milestone FROM sla_clocks WHERE met_at IS NULL AND due_at < "
        "strftime('%Y-%m-%d %H:%M:%f', 'now')",
    )
    return {f"{c}:{m}" for c, m in rows}


async def test_sigkill_mid_sweep_then_run_again(
    data_dir: Path, tmp_path: Path, sla_engine: SlaEngine
) -> None:
    await _overdue_backlog(data_dir, sla_engine)
    overdue = _overdue_clocks(data_dir)
    assert len(overdue) >= COMPLAINTS
    env = base_env(data_dir)
    first = await start(["sweep", "--once"], env, tmp_path, tmp_path / "sweep1.log")
    try:
        await until(lambda: len(_breach_events(data_dir)) >= len(overdue) // 5, 120)
        await kill(first)
    finally:
        await kill(first)
    marked = {
        f"{c}:{m}"
        for c, m in sqlite_rows(
            data_dir,
            "SELECT complaint_id, milestone FROM sla_clocks WHERE breached_at IS NOT NULL",
        )
    }
    # acknowledged: the clocks the killed sweeper marked breached (committed)
    at_kill = Tally("sweep kill -9 mid-pass", marked, _breach_events(data_dir))
    at_kill.extra["overdue clocks"] = len(overdue)
    at_kill.check()
    assert len(marked) == len(set(at_kill.stored)), "a breach event without its mark"
    assert len(at_kill.stored) < len(overdue), "the pass was over before the kill"

    second = await start(["sweep", "--once"], env, tmp_path, tmp_path / "sweep2.log")
    assert await second.wait() == 0, (tmp_path / "sweep2.log").read_text(encoding="utf-8")
    after = Tally("sweep kill -9, after running it again", overdue, _breach_events(data_dir))
    notices = [
        str(k)
        for (k,) in sqlite_rows(
            data_dir, f"SELECT dedupe_key FROM outbox WHERE address = '{SUPERVISOR}'"
        )
    ]
    after.extra["supervisor notices"] = len(notices)
    after.check()
    assert len(notices) == len(set(notices)) == len(overdue)
