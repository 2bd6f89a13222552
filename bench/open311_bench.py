"""Open311 API benchmark: how long the platform's reads take once it has filed many complaints,
over a real aiohttp server on 127.0.0.1.

Run from the repository root, by hand (prints figures; asserts nothing about time):

    python -m bench.open311_bench                      # SQLite, 1,000 complaints
    python -m bench.open311_bench --backend postgres --complaints 1000 --runs 30

The complaints are filed through ``POST requests.json`` with one database key over 20
accounts; a tenth get a reply so ``status_notes`` has words to carry. Each read is timed from
the client (p50 / p99 over ``--runs``): the whole list (``GET requests.json``, at most 1000),
the open ones, one account's, one complaint, its history, the list as XML, and ``/metrics``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.db_bench import _close, _open
from bot.clock import SystemClock
from bot.config import load_settings
from bot.domain.records import Official, Role
from bot.domain.sla import load_sla_engine
from bot.services import api_keys, handling
from bot.services.context import ServiceContext
from handlers.http.app import build_app

TEXTS = (
    "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。",
    "我们公司想贷300万流动资金，跑了两家银行都说要抵押，一个多月没有结果。",
    "办理施工许可证材料交了三次还是说不全，能不能一次告知清楚。",
)


async def main(backend: str, count: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database, schema = await _open(backend, Path(folder))
        try:
            ctx = ServiceContext(database.uow_factory, load_sla_engine(), SystemClock())
            key = (await api_keys.create_key(ctx, "bench")).key
            server = TestServer(build_app(ctx, load_settings(_env_file=None)), host="127.0.0.1")
            await server.start_server()
            base = str(server.make_url(""))
            async with aiohttp.ClientSession() as session:
                started = time.perf_counter()
                numbers = await _file(session, base, key, count)
                filing = time.perf_counter() - started
                await _reply_to_some(ctx, numbers[::10])
                print(f"{backend}: filed {count} in {filing:.1f} s over HTTP")
                one = numbers[len(numbers) // 2]
                v2 = "/open311/v2"
                reads = {
                    "GET requests.json (all)": (f"{v2}/requests.json", {}),
                    "GET requests.json?status=open": (f"{v2}/requests.json", {"status": "open"}),
                    "GET requests.json?account_id=": (f"{v2}/requests.json", {"account_id": "a7"}),
                    "GET requests/N.json": (f"{v2}/requests/{one}.json", {}),
                    "GET requests/N/history.json": (f"{v2}/requests/{one}/history.json", {}),
                    "GET requests.xml (all)": (f"{v2}/requests.xml", {}),
                    "GET /metrics": ("/metrics", {}),
                }
                for name, (path, params) in reads.items():
                    times = []
                    for _ in range(runs):
                        started = time.perf_counter()
                        async with session.get(
                            base + path, params={"api_key": key, **params}
                        ) as response:
                            assert response.status == 200, await response.text()
                            await response.read()
                        times.append((time.perf_counter() - started) * 1000)
                    times.sort()
                    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
                    print(f"  {name:34} p50 {statistics.median(times):7.1f} ms  p99 {p99:7.1f} ms")
            await server.close()
        finally:
            await _close(database, schema)


async def _file(session: aiohttp.ClientSession, base: str, key: str, count: int) -> list[str]:
    numbers: list[str] = []
    for start in range(0, count, 50):

        async def one(i: int) -> str:
            data = {
                "api_key": key,
                "description": f"{TEXTS[i % 3]}（{i}）",
                "account_id": f"a{i % 20}",
            }
            async with session.post(base + "/open311/v2/requests.json", data=data) as response:
                assert response.status == 200, await response.text()
                [ack] = await response.json()
                return str(ack["service_request_id"])

        numbers += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 50))))
    return numbers


async def _reply_to_some(ctx: ServiceContext, numbers: list[str]) -> None:
    officials: dict[str, object] = {}
    for number in numbers:
        async with ctx.uow_factory() as uow:
            complaint = await uow.complaints.get_by_number(number)
        if complaint is None or complaint.lead_unit is None or complaint.status.value != "routed":
            continue  # repeats merged into another, complaints waiting for a dispatcher
        if complaint.lead_unit not in officials:
            telegram_id = 7000 + len(officials)
            async with ctx.uow_factory() as uow:
                await uow.officials.upsert(Official(telegram_id, complaint.lead_unit, Role.HANDLER))
                await uow.commit()
            from bot.domain.records import Actor  # noqa: PLC0415

            officials[complaint.lead_unit] = Actor("telegram", str(telegram_id))
        actor = officials[complaint.lead_unit]
        await handling.reply(ctx, actor, number, "已收到，正在核实办理。")  # type: ignore[arg-type]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--complaints", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.backend, args.complaints, args.runs))
