"""The deployment of ``deploy/compose.yaml`` on loopback: two ``yousu run`` and two ``yousu
serve`` on one PostgreSQL, the Bot API stand-in as Telegram, under a load of POSTs (spread over
both APIs) and Telegram messages, with a backlog of overdue complaints for the sweepers. Each
piece of shared work is done once: every message filed once (the inbox), every POST stored
once, every overdue clock breached once (the sweepers), every notice delivered once (the
outbox workers), and the weekly summary sent once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.domain.records import Actor, Role
from bot.domain.sla import SlaEngine
from bot.services.context import ServiceContext
from bot.services.intake import Submission
from bot.services.intake_import import import_complaints
from bot.services.weekly_push import summary_due
from db.bootstrap import Database
from handlers.telegram.standin import TOKEN, BotApiStandIn
from tests.faults.harness import (
    TEXTS,
    Burst,
    Tally,
    base_env,
    kill,
    start,
    start_serve,
    terminate,
    until,
)
from tests.faults.test_bot_faults import answered
from tests.sql_backends import Templates
from tests.support import FixedClock, add_official

pytestmark = pytest.mark.postgres

POSTS = 200
SENDERS = 80
OVERDUE = 40
SUPERVISOR = 990_002
#: the backlog is filed on last week's Monday, 10:00 Beijing time (the processes run on the
#: real clock): last week then has complaints, so its weekly summary is due and not empty
_TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
FILED_AT = datetime.combine(
    _TODAY - timedelta(days=_TODAY.weekday() + 7), time(10, 0), ZoneInfo("Asia/Shanghai")
).astimezone(UTC)


@pytest.fixture
async def postgres(db_templates: Templates, tmp_path: Path) -> AsyncIterator[Database]:
    async with db_templates.database("postgres", tmp_path) as database:
        yield database


async def _rows(database: Database, query: str) -> list[tuple[object, ...]]:
    async with database.engine.connect() as connection:
        return [tuple(r) for r in await connection.execute(text(query))]


async def _overdue_backlog(database: Database, sla: SlaEngine) -> None:
    ctx = ServiceContext(uow_factory=database.uow_factory, sla=sla, clock=FixedClock(FILED_AT))
    await add_official(database.uow_factory, SUPERVISOR, None, Role.SUPERVISOR)
    await import_complaints(
        ctx,
        [Submission(Actor("import", f"old{i}"), TEXTS[i % len(TEXTS)]) for i in range(OVERDUE)],
    )


async def test_two_bots_and_two_apis_on_one_postgresql(
    api: BotApiStandIn,
    postgres: Database,
    db_templates: Templates,
    tmp_path: Path,
    sla_engine: SlaEngine,
) -> None:
    await _overdue_backlog(postgres, sla_engine)
    clocks = {
        f"{c}:{m}"
        for c, m in await _rows(
            postgres,
            "SELECT complaint_id, milestone FROM sla_clocks"
            " WHERE met_at IS NULL AND due_at < now()",
        )
    }
    env = base_env(
        tmp_path,
        DATABASE_URL=postgres.url,
        DATABASE_SCHEMA=db_templates.schema,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=api.base_url,
    )
    processes: list[asyncio.subprocess.Process] = []
    started = asyncio.get_running_loop().time()
    try:
        for name in ("run-a", "run-b"):
            processes.append(await start(["run", "--no-input"], env, tmp_path, tmp_path / name))
        serves = [await start_serve(env, tmp_path, tmp_path / f"serve-{i}") for i in (1, 2)]
        processes += [p for p, _ in serves]
        users = [840_000 + i for i in range(SENDERS)]
        for i, user in enumerate(users):
            api.send_text(user, TEXTS[i % len(TEXTS)])
        refs = [f"MI-{i:05d}" for i in range(POSTS)]
        bursts = [Burst(base, refs[i::2], concurrency=12) for i, (_, base) in enumerate(serves)]
        await asyncio.gather(*(b.run() for b in bursts))
        for burst in bursts:  # a 503 would be posted again by the platform
            await burst.run([r for r in burst.refs if burst.statuses[r] != 200])
        await until(lambda: len(answered(api, users)) == SENDERS, 120)
        breach_events = "SELECT count(*) FROM events WHERE kind = 'clock_breached'"
        due_clocks = "SELECT count(*) FROM sla_clocks WHERE met_at IS NULL AND due_at < now()"
        (due,) = (await _rows(postgres, due_clocks))[0]
        while (await _rows(postgres, breach_events))[0][0] < int(str(due)):
            assert asyncio.get_running_loop().time() - started < 180, "sweepers too slow"
            await asyncio.sleep(0.2)
        pending = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        while (await _rows(postgres, pending))[0][0] > 0:
            assert asyncio.get_running_loop().time() - started < 180, "outbox not drained"
            await asyncio.sleep(0.2)
        codes = [await terminate(p) for p in processes]
    finally:
        for process in processes:
            await kill(process)
    elapsed = asyncio.get_running_loop().time() - started
    for i, code in enumerate(codes):
        assert code == 0, f"process {i} exited {code}"

    told = answered(api, users)
    inbox = Tally("2 run + 2 serve: Telegram messages (inbox)", {str(u) for u in users})
    inbox.stored = [str(u) for u, numbers in told.items() for _ in numbers]
    (handled,) = (await _rows(postgres, "SELECT count(*) FROM inbox"))[0]
    inbox.extra["inbox rows"] = handled

    posts = Tally(
        "2 run + 2 serve: POSTs over both APIs",
        {r for b in bursts for r in b.acknowledged},
        [
            str(r)
            for (r,) in await _rows(postgres, "SELECT external_ref FROM complaints")
            if r is not None and str(r).startswith("MI-")
        ],
    )
    posts.extra["503 answers"] = sum(1 for b in bursts for s in b.statuses.values() if s == 503)

    breaches = [
        f"{c}:{m}"
        for c, m in await _rows(
            postgres,
            "SELECT complaint_id, data->>'milestone' FROM events WHERE kind = 'clock_breached'",
        )
    ]
    # clocks that fell due while the test ran are breached too: not part of the tally
    sweep = Tally(
        "2 run + 2 serve: overdue clocks (sweepers)", clocks, [b for b in breaches if b in clocks]
    )

    rows = await _rows(
        postgres,
        f"SELECT kind, payload->>'text', sent_at IS NOT NULL FROM outbox "
        f"WHERE address = '{SUPERVISOR}'",
    )
    delivered = Counter(api.messages_to(SUPERVISOR))
    # matched by count: as many messages as rows is none lost and none twice
    ids, received = [str(i) for i in range(len(rows))], sum(delivered.values())
    outbox = Tally(
        "2 run + 2 serve: notices to the supervisor (outbox)",
        set(ids),
        ids[:received] + ids[: max(0, received - len(rows))],
    )
    outbox.extra["outbox rows"] = len(rows)
    outbox.extra["messages received"] = sum(delivered.values())
    weekly = [row for row in rows if row[0] == "weekly_summary"]
    outbox.extra["weekly summaries"] = len(weekly)
    outbox.extra["seconds"] = round(elapsed, 1)

    for tally in (inbox, posts, sweep, outbox):
        tally.check()
    assert posts.acknowledged == set(refs)
    assert all(sent for _k, _t, sent in rows)
    assert sum(delivered.values()) == len(rows), "a notice was delivered twice or not at all"
    if summary_due(datetime.now(UTC), ZoneInfo("Asia/Shanghai")):
        assert len(weekly) == 1
        summaries = [t for t in delivered.elements() if t.startswith("【每周统计】")]
        assert len(summaries) == 1, summaries
