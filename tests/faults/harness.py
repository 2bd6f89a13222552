"""What the fault tests share: starting ``yousu`` processes on loopback, a burst of Open311
POSTs that remembers what was acknowledged, and the tally every fault test prints and checks
(acknowledged, stored, lost, duplicated)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

#: start-up of a fresh interpreter: imports, migrations check, router warm-up
START_WITHIN = 60.0
KEY = "k-fault-platform-secret"
REQUESTS = "/open311/v2/requests.json"
TEXTS = (
    "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。",
    "我们公司想贷300万流动资金，跑了两家银行都说要抵押，一个多月没有结果。",
    "办施工许可证跑了四趟，每次都说材料不全，也不一次说清楚。",
    "去年的技改补贴到现在还没拨下来，打电话问也没人给个准话。",
    "天然气报装交了钱一个月了，燃气公司一直不来接管道。",
)
_LISTENING = re.compile(rb"http://[^:]+:(\d+)/")


@dataclass
class Tally:
    """What a fault test found: ``acknowledged`` (told "done" to the sender), ``stored`` (each
    stored item, repeated as often as it is stored)."""

    name: str
    acknowledged: set[str] = field(default_factory=set)
    stored: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def lost(self) -> set[str]:
        return self.acknowledged - set(self.stored)

    @property
    def duplicated(self) -> dict[str, int]:
        return {k: n for k, n in Counter(self.stored).items() if n > 1}

    def report(self) -> str:
        more = "".join(f", {k} {v}" for k, v in self.extra.items())
        line = (
            f"[fault] {self.name}: acknowledged {len(self.acknowledged)}, stored "
            f"{len(set(self.stored))}, lost {len(self.lost)}, duplicated "
            f"{len(self.duplicated)}{more}"
        )
        print(f"\n{line}", flush=True)
        return line

    def check(self) -> None:
        """Print the tally; fail on any loss or duplicate."""
        self.report()
        assert not self.lost, f"{self.name}: lost {sorted(self.lost)[:20]}"
        assert not self.duplicated, f"{self.name}: duplicated {self.duplicated}"


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": "",
        "DATABASE_SCHEMA": "",
        "HTTP_API_KEYS": f"12345:{KEY}",
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": "",
        "WEBHOOK_URL": "",
    }
    env.update(extra)
    return env


async def start(
    args: Iterable[str], env: dict[str, str], cwd: Path, log: Path | None = None
) -> asyncio.subprocess.Process:
    stderr = log.open("ab") if log is not None else asyncio.subprocess.DEVNULL
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            *args,
            cwd=cwd,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    finally:
        if log is not None:
            stderr.close()  # type: ignore[union-attr]


async def start_serve(
    env: dict[str, str], cwd: Path, log: Path | None = None
) -> tuple[asyncio.subprocess.Process, str]:
    """``yousu serve`` on a free port; returns the process and its base URL once listening."""
    process = await start(["serve", "--host", "127.0.0.1", "--port", "0"], env, cwd, log)
    assert process.stdout is not None
    async with asyncio.timeout(START_WITHIN):
        while True:
            line = await process.stdout.readline()
            if not line:
                raise AssertionError(f"serve exited before listening ({await process.wait()})")
            found = _LISTENING.search(line)
            if found:
                return process, f"http://127.0.0.1:{int(found.group(1))}"


async def kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
        await process.wait()


async def terminate(process: asyncio.subprocess.Process, within: float = 60.0) -> int:
    """SIGTERM, then wait for the exit (killed if it takes longer than ``within``)."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(within):
            return await process.wait()
    finally:
        await kill(process)


@dataclass
class Burst:
    """POSTs of complaints, each with its own ``ref``: ``statuses`` says what each got (0: the
    connection failed, no answer)."""

    base: str
    refs: list[str]
    concurrency: int = 24
    statuses: dict[str, int] = field(default_factory=dict)
    #: refs acknowledged (200), in the order their answers came
    acknowledged: list[str] = field(default_factory=list)

    async def post(self, session: aiohttp.ClientSession, ref: str) -> int:
        data = {"api_key": KEY, "description": TEXTS[sum(map(ord, ref)) % len(TEXTS)], "ref": ref}
        try:
            async with session.post(f"{self.base}{REQUESTS}", data=data) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError):
            status = 0
        self.statuses[ref] = status
        if status == 200:
            self.acknowledged.append(ref)
        return status

    async def run(self, refs: Iterable[str] | None = None) -> None:
        """POST ``refs`` (default all), ``concurrency`` at a time."""
        queue = list(self.refs if refs is None else refs)
        timeout = aiohttp.ClientTimeout(total=60)
        connector = aiohttp.TCPConnector(limit=self.concurrency, force_close=True)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

            async def worker() -> None:
                while queue:
                    await self.post(session, queue.pop(0))

            await asyncio.gather(*(worker() for _ in range(self.concurrency)))

    async def until_acknowledged(self, count: int, within: float = START_WITHIN) -> None:
        await until(lambda: len(self.acknowledged) >= count, within)


async def until(check: Callable[[], object], within: float = START_WITHIN) -> None:
    """Wait until ``check()`` is true; fail after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, f"timed out after {within} s"
        await asyncio.sleep(0.02)
