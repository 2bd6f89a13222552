"""`yousu complaint import` killed with SIGKILL in the middle of a backlog, then run again:
every batch it reported filed is stored, and after the second run every line is filed exactly
once (batches are transactions; references already on file are skipped)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.faults.conftest import stored_refs
from tests.faults.harness import TEXTS, Tally, base_env, kill, start, until

LINES = 2000
BATCH = 50
_FILED = re.compile(r"已导入/filed (\d+)/")


def _reported(log: Path) -> int:
    found = _FILED.findall(log.read_text(encoding="utf-8")) if log.exists() else []
    return int(found[-1]) if found else 0


async def test_sigkill_mid_import_then_run_again(data_dir: Path, tmp_path: Path) -> None:
    refs = [f"IMP-{i:05d}" for i in range(LINES)]
    backlog = tmp_path / "backlog.jsonl"
    backlog.write_text(
        "".join(
            json.dumps({"text": TEXTS[i % len(TEXTS)], "ref": ref, "from": "http:12345"}) + "\n"
            for i, ref in enumerate(refs)
        ),
        encoding="utf-8",
    )
    env = base_env(data_dir)
    args = ["complaint", "import", str(backlog), "--batch", str(BATCH)]
    log = tmp_path / "import1.log"
    first = await start(args, env, tmp_path, log)
    try:
        await until(lambda: _reported(log) >= LINES // 5, 120)
        await kill(first)
    finally:
        await kill(first)
    reported = _reported(log)
    at_kill = Tally("import kill -9 mid-batch", set(refs[:reported]), stored_refs(data_dir))
    at_kill.extra["lines"] = LINES
    at_kill.check()
    assert reported < LINES, "the import was over before the kill"

    second = await start(args, env, tmp_path, tmp_path / "import2.log")
    assert await second.wait() == 0, (tmp_path / "import2.log").read_text(encoding="utf-8")
    after = Tally("import kill -9, after running it again", set(refs), stored_refs(data_dir))
    after.check()
    assert len(after.stored) == LINES
