"""Report files benchmark: how long the chart (PNG) and the ledger (台账, .xlsx) take for a week
of about 1,000 orders, step by step, as ``yousu report weekly --png --xlsx`` runs them.

Run from the repository root, by hand (prints figures; asserts nothing about time):

    python -m bench.report_bench                       # SQLite, ~1,000 orders a week
    python -m bench.report_bench --backend postgres --per-week 1000 --runs 5

The data is db_bench's synthetic year (52 weeks, units weighted like real intake, 10% 1330,
clocks met, late or breached, ratings on most closed complaints), ``--per-week`` times 52
complaints, so the 12-week trend has data too. The week measured is 2026-W28; the clock stands
after every deadline of the year, so every figure is decided. The first run includes loading
matplotlib and registering the CJK font (a process does that once); the median is over the
rest.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.db_bench import seeded_year
from bot.services.context import ServiceContext
from bot.services.ledger import ledger
from bot.services.reports import district_trend, weekly_report

WEEK_MEASURED = "2026-W28"


async def _timed(steps: dict[str, list[float]], name: str, work: Callable[[], Any]) -> Any:
    began = time.perf_counter()
    result = work()
    if asyncio.iscoroutine(result):
        result = await result
    steps.setdefault(name, []).append(time.perf_counter() - began)
    return result


async def one_run(ctx: ServiceContext, folder: Path, steps: dict[str, list[float]]) -> int:
    from handlers.reports.chart import render_chart  # noqa: PLC0415 - timed on first use
    from handlers.reports.ledger import write_ledger  # noqa: PLC0415

    began = time.perf_counter()
    report = await _timed(
        steps, "figures (weekly_report)", lambda: weekly_report(ctx, WEEK_MEASURED)
    )
    trend = await _timed(
        steps, "12-week trend (district_trend)", lambda: district_trend(ctx, report)
    )
    rows = await _timed(steps, "ledger rows (ledger)", lambda: ledger(ctx, report))
    png = await _timed(steps, "chart (render_chart)", lambda: render_chart(report, trend))
    path = folder / "ledger.xlsx"
    await _timed(
        steps,
        "spreadsheet (write_ledger, chart embedded)",
        lambda: write_ledger(report, rows, path, chart_png=png),
    )
    steps.setdefault("total", []).append(time.perf_counter() - began)
    steps.setdefault("png KB", []).append(len(png) / 1024)
    steps.setdefault("xlsx KB", []).append(path.stat().st_size / 1024)
    return len(rows.orders)


async def run(backend: str, per_week: int, runs: int) -> None:
    async with seeded_year(backend, per_week) as year:
        ctx = year.ctx
        steps: dict[str, list[float]] = {}
        orders = 0
        for _ in range(runs):
            orders = await one_run(ctx, year.folder, steps)
        print(f"week {WEEK_MEASURED}: {orders:,} orders; {runs} runs")
        for name, values in steps.items():
            if name.endswith("KB"):
                print(f"  {name:<45} {values[-1]:8.0f}")
                continue
            rest = values[1:] or values
            print(
                f"  {name:<45} first {values[0]:6.3f} s   median of the rest "
                f"{statistics.median(rest):6.3f} s"
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
