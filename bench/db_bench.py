"""Database benchmarks: weekly figures over many complaints, intake through the service layer,
and the sweeper's cost with many open clocks.

Run from the repository root, by hand (prints figures; asserts nothing about time):

    python -m bench.db_bench --backend sqlite --complaints 1000000
    python -m bench.db_bench --backend postgres --complaints 1000000
    python -m bench.db_bench --backend sqlite --only intake,sweeper

PostgreSQL: YOUSU_TEST_POSTGRES_URL or the local server; the bench works in a schema of its
own and drops it afterwards. SQLite: a file in a temporary folder.

The synthetic year: complaints spread evenly over 52 weeks (so one week holds about 1/52 of
them), across the registry's units weighted like real intake (a few units get most), 10%
financing (1330), 20% still open; each with its clocks (response, first reply or contact,
resolution or feedback/approval, assignment), 70% met mostly on time, 5% breached, and a rating
on 60% of the closed ones.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text

from bot.domain.records import Actor, Official, Role, SlaClock, Status
from bot.domain.sla import load_sla_engine
from bot.services import intake, sweeper
from bot.services.context import ServiceContext
from bot.services.intake import Submission
from bot.services.intake_queue import IntakeQueue
from db.bootstrap import Database, open_database
from db.engine import create_engine
from db.models import ComplaintRow, EnterpriseRow, RatingRow, SlaClockRow
from knowledge.base import load_knowledge_base
from knowledge.brain import warm_up

YEAR_START = datetime(2026, 1, 5, tzinfo=UTC)  # Monday of 2026-W02
WEEK = timedelta(days=7)
CHUNK = 20_000


class Clock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


async def _open(backend: str, folder: Path) -> tuple[Database, str | None]:
    if backend == "sqlite":
        return await open_database(f"sqlite+aiosqlite:///{folder / 'bench.sqlite'}"), None
    url = (
        os.environ.get("YOUSU_TEST_POSTGRES_URL") or "postgresql+asyncpg://root@127.0.0.1:5432/test"
    )
    schema = f"yousu_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    return await open_database(url, schema=schema), schema


async def _close(database: Database, schema: str | None) -> None:
    await database.dispose()
    if schema is not None:
        admin = create_engine(database.url)
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def seeded_year(backend: str, per_week: int) -> AsyncIterator[SeededYear]:
    """A fresh database of ``backend`` (its own temporary folder) holding a year of generated
    complaints, ``per_week`` a week, and a service context whose clock stands an hour into the
    61st week; closed and removed afterwards. For the benches that read a full year back."""
    with tempfile.TemporaryDirectory() as folder:
        database, schema = await _open(backend, Path(folder))
        try:
            print(f"== {backend} ==")
            seconds = await generate(database, per_week * 52)
            print(f"generated {per_week * 52:,} complaints in {seconds:.0f} s")
            ctx = ServiceContext(
                uow_factory=database.uow_factory,
                sla=load_sla_engine(),
                clock=Clock(YEAR_START + 60 * WEEK + timedelta(hours=1)),
            )
            yield SeededYear(database, ctx, Path(folder))
        finally:
            await _close(database, schema)


@dataclass(frozen=True, slots=True)
class SeededYear:
    database: Database
    ctx: ServiceContext
    folder: Path


def _units() -> list[str]:
    units = [u.name for u in load_knowledge_base().units.all_units()]
    return units


async def generate(database: Database, complaints: int, seed: int = 7) -> float:
    """Bulk-load a synthetic year; returns seconds taken."""
    rng = random.Random(seed)
    units = _units()
    weights = [1 / (i + 1) for i in range(len(units))]  # a few units get most complaints
    started = time.perf_counter()
    enterprises = max(1, complaints // 20)
    async with database.engine.begin() as connection:
        for first in range(0, enterprises, CHUNK):
            rows = [
                {"channel": "telegram", "external_id": str(i)}
                for i in range(first, min(first + CHUNK, enterprises))
            ]
            await connection.execute(insert(EnterpriseRow), rows)
    span = 52 * WEEK
    async with database.engine.connect() as connection:
        cid = (
            await connection.execute(text("SELECT coalesce(max(id), 0) FROM complaints"))
        ).scalar_one()
    for first in range(0, complaints, CHUNK):
        complaint_rows: list[dict[str, Any]] = []
        clock_rows: list[dict[str, Any]] = []
        rating_rows: list[dict[str, Any]] = []
        for _ in range(first, min(first + CHUNK, complaints)):
            cid += 1
            created = YEAR_START + span * rng.random()
            financing = rng.random() < 0.10
            is_open = rng.random() < 0.20
            status = (
                rng.choice([Status.ROUTED, Status.IN_PROGRESS])
                if is_open
                else (Status.CLOSED if rng.random() < 0.8 else Status.RESOLVED)
            )
            unit = rng.choices(units, weights)[0]
            complaint_rows.append(
                {
                    "id": cid,
                    "number": f"{created:%Y%m%d}-{cid:07d}",
                    "enterprise_id": 1 + cid % enterprises,
                    "text": "synthetic complaint",
                    "channel": "telegram",
                    "sla_policy": "1330" if financing else "general",
                    "status": status.value,
                    "created_at": created,
                    "updated_at": created,
                    "attachments": [],
                    "co_units": [],
                    "lead_unit": unit,
                    "routing_confidence": 0.8,
                    "confidential": False,
                    "version": 1,
                    "topic_key": f"t{rng.randrange(complaints // 3 + 1)}",
                    "resolved_at": None
                    if is_open
                    else created + timedelta(days=rng.uniform(1, 20)),
                }
            )
            names = ["response", "assignment"] + (
                ["contact", "feedback", "approval"] if financing else ["first_reply", "resolution"]
            )
            for name in names:
                due = created + {
                    "response": timedelta(minutes=1),
                    "assignment": timedelta(days=1),
                    "contact": timedelta(days=1),
                    "feedback": timedelta(days=3),
                    "first_reply": timedelta(days=5),
                }.get(name, timedelta(days=21))
                roll = rng.random()
                met = (
                    None
                    if (is_open and roll < 0.5)
                    else (
                        due - timedelta(hours=rng.uniform(0, 20))
                        if roll < 0.9
                        else due + timedelta(hours=5)
                    )
                )
                clock_rows.append(
                    {
                        "complaint_id": cid,
                        "milestone": name,
                        "due_at": due,
                        "warn_at": due,
                        "estimated": False,
                        "met_at": met,
                        "extensions": 0,
                        "breached_at": due
                        if (met is None or met > due) and rng.random() < 0.9
                        else None,
                    }
                )
            if status is Status.CLOSED and rng.random() < 0.6:
                rating_rows.append(
                    {
                        "complaint_id": cid,
                        "score": rng.choice([5, 5, 4, 4, 3, 2, 1]),
                        "at": created + timedelta(days=10),
                        "comment": "",
                        "solved": rng.random() < 0.9,
                    }
                )
        async with database.engine.begin() as connection:
            await connection.execute(insert(ComplaintRow), complaint_rows)
            await connection.execute(insert(SlaClockRow), clock_rows)
            if rating_rows:
                await connection.execute(insert(RatingRow), rating_rows)
        print(
            f"  loaded {min(first + CHUNK, complaints):,} complaints "
            f"({time.perf_counter() - started:.0f} s)",
            end="\r",
            flush=True,
        )
    print()
    if database.engine.dialect.name == "postgresql":
        async with database.engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
            await connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('complaints','id'), "
                    "(SELECT max(id) FROM complaints))"
                )
            )
    else:
        async with database.engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


async def bench_report(database: Database, runs: int = 5) -> list[float]:
    start = YEAR_START + 26 * WEEK
    end = start + WEEK
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        async with database.uow_factory() as uow:
            counts = await uow.reports.unit_counts(start, end, end + 60 * WEEK)
            topics = await uow.reports.hot_topics(start, end)
        times.append(time.perf_counter() - began)
    print(
        f"  week W28: {counts[0].received:,} complaints, {len(counts) - 1} units, "
        f"{len(topics)} hot topics"
    )
    return times


def _context(database: Database, now: datetime) -> ServiceContext:
    return ServiceContext(uow_factory=database.uow_factory, sla=load_sla_engine(), clock=Clock(now))


_INTAKE_TEXTS = [
    "申请用电增容快两个月了，供电那边一直没给方案",
    "银行突然抽贷，资金链要断了",
    "办施工许可证跑了好几趟",
    "公司注销太难了",
    "招投标里有人设门槛",
]


async def bench_intake(database: Database, n: int) -> float:
    """One complaint after another, each in its own transaction."""
    ctx = _context(database, datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    warm_up()  # build the search index outside the timing, as a long-running process does
    began = time.perf_counter()
    for i in range(n):
        text = f"{_INTAKE_TEXTS[i % 5]}（第{i}家）"
        await intake.submit_complaint(ctx, Actor("telegram", f"b{i}"), text)
    return n / (time.perf_counter() - began)


async def bench_intake_concurrent(database: Database, n: int, in_flight: int) -> tuple[float, int]:
    """``in_flight`` enterprises filing at once through the group-commit queue."""
    ctx = _context(database, datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    warm_up()
    queue = IntakeQueue(ctx)
    gate = asyncio.Semaphore(in_flight)

    async def one(i: int) -> None:
        async with gate:
            text = f"{_INTAKE_TEXTS[i % 5]}（第{i}家）"
            await queue.submit(Submission(Actor("telegram", f"c{i}"), text))

    began = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - began), queue.batches


async def bench_sweeper(database: Database, open_clocks: int, due: int) -> tuple[float, float]:
    now = datetime(2027, 6, 1, 2, 0, tzinfo=UTC)
    ctx = _context(database, now)
    await sweeper.sweep_clocks(ctx, "drain")  # clocks left by other benches: not timed
    async with database.uow_factory() as uow:
        await uow.officials.upsert(Official(1, None, Role.SUPERVISOR, "督办"))
        firm = await uow.enterprises.get_or_create(Actor("telegram", "sweeper-bench"))
        await uow.commit()
    async with database.engine.begin() as connection:
        base = (
            await connection.execute(text("SELECT coalesce(max(id), 0) FROM complaints"))
        ).scalar_one()
        complaints = [
            {
                "id": base + i + 1,
                "number": f"20270601-{i:07d}",
                "enterprise_id": firm.id,
                "text": "x",
                "channel": "telegram",
                "sla_policy": "general",
                "status": "routed",
                "created_at": now,
                "updated_at": now,
                "attachments": [],
                "co_units": [],
                "lead_unit": "区税务局",
                "routing_confidence": 1.0,
                "confidential": False,
                "version": 0,
            }
            for i in range(open_clocks)
        ]
        for first in range(0, open_clocks, CHUNK):
            await connection.execute(insert(ComplaintRow), complaints[first : first + CHUNK])
        clocks = [
            SlaClock(base + i + 1, "bench", now + timedelta(days=3), now + timedelta(days=2))
            for i in range(open_clocks)
        ]
        rows = [
            {
                "complaint_id": c.complaint_id,
                "milestone": c.milestone,
                "due_at": c.due_at if i >= due else now - timedelta(seconds=1),
                "warn_at": c.warn_at if i >= due else now - timedelta(minutes=1),
                "estimated": False,
                "extensions": 0,
            }
            for i, c in enumerate(clocks)
        ]
        for first in range(0, open_clocks, CHUNK):
            await connection.execute(insert(SlaClockRow), rows[first : first + CHUNK])
    began = time.perf_counter()
    result = await sweeper.sweep_clocks(ctx, "bench")
    busy = time.perf_counter() - began
    assert result[1] == due, result
    began = time.perf_counter()
    await sweeper.sweep_clocks(ctx, "bench")
    idle = time.perf_counter() - began
    return busy, idle


async def run(backend: str, complaints: int, only: set[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database, schema = await _open(backend, Path(folder))
        try:
            print(f"== {backend} ==")
            if "intake" in only:
                rate = await bench_intake(database, 2000)
                print(f"intake through the service layer (real router, sequential): {rate:,.0f}/s")
                for in_flight in (10, 100):
                    rate, batches = await bench_intake_concurrent(database, 5000, in_flight)
                    print(
                        f"intake, {in_flight} enterprises at once (group commit): {rate:,.0f}/s"
                        f" in {batches} transactions"
                    )
            if "sweeper" in only:
                busy, idle = await bench_sweeper(database, 100_000, 300)
                print(
                    f"sweeper, 100,000 open clocks: pass with 300 due {busy * 1000:,.0f} ms; "
                    f"idle pass {idle * 1000:.1f} ms"
                )
            if "report" in only:
                seconds = await generate(database, complaints)
                print(f"generated {complaints:,} complaints in {seconds:.0f} s")
                times = await bench_report(database)
                print(
                    f"weekly figures (unit_counts + hot_topics): median "
                    f"{statistics.median(times):.3f} s, best {min(times):.3f} s, "
                    f"worst {max(times):.3f} s"
                )
        finally:
            await _close(database, schema)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--only", default="intake,sweeper,report")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        asyncio.run(run(backend, args.complaints, set(args.only.split(","))))


if __name__ == "__main__":
    main()
