"""Cost of the SLA engine: schedule() per call and add_working_days() for large N.

Run from the repository root:  python -m bench.sla_bench  (or python bench/sla_bench.py)
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import logging
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.sla import load_sla_engine


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def micro(ns: float) -> str:
    return f"{ns / 1000:8.1f} µs"


def main() -> None:
    # the engine logs once per year without holiday data; figures only here
    logging.getLogger("bot.domain.calendar").setLevel(logging.ERROR)
    rng = random.Random(42)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=3 * 365).total_seconds())  # 2024-2026, covered years

    started = time.perf_counter()
    engine = load_sla_engine()
    print(f"load_sla_engine (reads 3 TOML files): {(time.perf_counter() - started) * 1000:.1f} ms")

    # first call pays for building year tables; later calls hit the per-date caches
    first = time.perf_counter_ns()
    engine.schedule("general", base)
    print(f"first schedule() on a fresh engine:  {micro(time.perf_counter_ns() - first)}")

    for policy in engine.policy_names():
        samples: list[float] = []
        starts = [base + timedelta(seconds=rng.randrange(span)) for _ in range(20_000)]
        for start in starts:
            t0 = time.perf_counter_ns()
            engine.schedule(policy, start)
            samples.append(time.perf_counter_ns() - t0)
        print(
            f"schedule({policy!r:16}) x{len(samples)}: p50 {micro(percentile(samples, 0.5))}"
            f"  p99 {micro(percentile(samples, 0.99))}  mean {micro(statistics.fmean(samples))}"
            f"  -> {1e9 / statistics.fmean(samples):,.0f} calls/s"
        )

    start = datetime(2026, 9, 30, 10, 0, tzinfo=UTC)
    for n in (1, 30, 250, 1_000, 10_000):
        fresh = load_sla_engine()
        t0 = time.perf_counter_ns()
        fresh.add_working_days(start, n)
        cold = time.perf_counter_ns() - t0
        samples = []
        for _ in range(2_000):
            t0 = time.perf_counter_ns()
            fresh.add_working_days(start, n)
            samples.append(time.perf_counter_ns() - t0)
        print(
            f"add_working_days(N={n:>6}): cold {micro(cold)}  warm p50 "
            f"{micro(percentile(samples, 0.5))}  p99 {micro(percentile(samples, 0.99))}"
        )


if __name__ == "__main__":
    main()
