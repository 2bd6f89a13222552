"""Weekly push benchmark: how long Monday's push takes to queue (figures, each unit's view,
its trend and ledger rows, the chart and the spreadsheet drawn for the district and for every
unit) for a week of about 1,000 orders, and how big the stored files are.

Run from the repository root, by hand (prints figures; asserts nothing about time):

    python -m bench.weekly_push_bench                  # SQLite, ~1,000 orders a week
    python -m bench.weekly_push_bench --backend postgres --per-week 1000

The data is db_bench's synthetic year; one handler is registered per unit and two
supervisors, so every unit with orders that week gets its own files. The push is queued once
(the dedupe keys make a second call queue nothing, which is timed too).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bench.db_bench import _units, seeded_year
from bot.domain.records import Official, Role
from bot.services.weekly_push import send_weekly_summary
from db.models import OutboxFileRow, OutboxRow
from handlers.reports.files import weekly_files

WEEK_MEASURED = "2026-W28"


async def run(backend: str, per_week: int) -> None:
    async with seeded_year(backend, per_week) as year:
        database, ctx = year.database, year.ctx
        async with ctx.uow_factory() as uow:
            for i, unit in enumerate(_units()):
                await uow.officials.upsert(Official(5_000_000 + i, unit, Role.HANDLER))
            for i in range(2):
                await uow.officials.upsert(Official(6_000_000 + i, None, Role.SUPERVISOR))
            await uow.commit()
        began = time.perf_counter()
        people = await send_weekly_summary(ctx, WEEK_MEASURED, weekly_files)
        first = time.perf_counter() - began
        began = time.perf_counter()
        again = await send_weekly_summary(ctx, WEEK_MEASURED, weekly_files)
        second = time.perf_counter() - began
        async with database.engine.connect() as connection:
            files, size = (
                await connection.execute(
                    select(func.count(), func.sum(func.length(OutboxFileRow.content)))
                )
            ).one()
            messages = (
                await connection.execute(select(func.count()).select_from(OutboxRow))
            ).scalar_one()
        print(f"week {WEEK_MEASURED}: queued for {people} people in {first:.1f} s")
        print(f"  outbox messages {messages}, stored files {files} ({size / 1024:.0f} KB)")
        print(f"  the same push again: queued for {again} in {second:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--per-week", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(run(args.backend, args.per_week))


if __name__ == "__main__":
    main()
