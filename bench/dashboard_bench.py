"""Dashboard benchmark: how long the dashboard's pages take to answer over HTTP for a week of
about 1,000 orders (the district page, a unit's page, one order's history, the chart).

Run from the repository root, by hand (prints figures; asserts nothing about time):

    python -m bench.dashboard_bench                      # SQLite, ~1,000 orders a week
    python -m bench.dashboard_bench --backend postgres --per-week 1000 --runs 5

The data is db_bench's synthetic year (see bench/report_bench.py); the week shown is
2026-W28, with the clock after every deadline of the year, so the overdue list is long. Each
page is asked for over a real aiohttp server on 127.0.0.1 with a supervisor's signed link; the
first run includes warming up (templates, matplotlib and its font); the median is over the
rest.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import ClientSession, web
from sqlalchemy import text

from bench.db_bench import seeded_year
from bot.config import load_settings
from bot.domain.records import Actor, Official, Role
from bot.services.dashboard import issue_link, link_settings
from handlers.http.app import build_app

WEEK_SHOWN = "2026-W28"
SECRET = "bench-dashboard-secret-0123456789"


async def run(backend: str, per_week: int, runs: int) -> None:
    async with seeded_year(backend, per_week) as year:
        database, ctx = year.database, year.ctx
        async with ctx.uow_factory() as uow:
            await uow.officials.upsert(Official(1, None, Role.SUPERVISOR, "督办"))
            await uow.commit()
            total, orders = await uow.reports.overdue(ctx.clock.now(), None, 1)
        unit = orders[0].complaint.lead_unit or ""
        # the synthetic year numbers its complaints with 7 digits, which people cannot
        # type (the pattern allows 4 to 6): give the order looked at a real number
        number = orders[0].complaint.number[:9] + "000001"
        async with database.engine.begin() as connection:
            await connection.execute(
                text("UPDATE complaints SET number = :new WHERE number = :old"),
                {"new": number, "old": orders[0].complaint.number},
            )
        settings = load_settings(_env_file=None, dashboard_secret=SECRET)
        link = await issue_link(ctx, Actor("telegram", "1"), link_settings(settings))
        token = link.url.split("?t=", 1)[1]
        runner = web.AppRunner(build_app(ctx, settings))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        base = f"http://127.0.0.1:{port}"
        pages = {
            "district page": f"/dashboard?t={token}&week={WEEK_SHOWN}",
            "unit page": f"/dashboard?t={token}&week={WEEK_SHOWN}&unit={unit}",
            "order history": f"/dashboard/orders/{number}?t={token}",
            "chart (PNG)": f"/dashboard/chart.png?t={token}&week={WEEK_SHOWN}",
        }
        times: dict[str, list[float]] = {}
        sizes: dict[str, int] = {}
        try:
            async with ClientSession() as session:
                for _ in range(runs):
                    for name, path in pages.items():
                        began = time.perf_counter()
                        async with session.get(base + path) as response:
                            body = await response.read()
                            assert response.status == 200, (name, response.status)
                        times.setdefault(name, []).append(time.perf_counter() - began)
                        sizes[name] = len(body)
        finally:
            await runner.cleanup()
        print(f"week {WEEK_SHOWN}; overdue now: {total:,} orders (the page lists 100)")
        for name, values in times.items():
            rest = values[1:] or values
            print(
                f"  {name:<16} first {values[0]:6.3f} s   median of the rest "
                f"{statistics.median(rest):6.3f} s   {sizes[name] / 1024:7.0f} KB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--per-week", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        asyncio.run(run(backend, args.per_week, args.runs))


if __name__ == "__main__":
    main()
