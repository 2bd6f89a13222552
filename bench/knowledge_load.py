"""Benchmark: how long the knowledge base takes to load, and the `yousu measures` command.

Run by hand: ``python bench/knowledge_load.py``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    # imported after sys.path points at the repository (bench runs as a plain script)
    from knowledge.base import read_knowledge_base  # noqa: PLC0415
    from knowledge.importer.build import import_shipped  # noqa: PLC0415

    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        kb = read_knowledge_base()
    load_ms = (time.perf_counter() - start) / runs * 1000
    print(f"read_knowledge_base: {load_ms:.1f} ms ({len(kb.measures)} measures)")

    start = time.perf_counter()
    import_shipped()
    print(f"import both seeds: {(time.perf_counter() - start) * 1000:.1f} ms")

    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "measures", "--json"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    print(f"yousu measures --json (process): best {min(times):.3f} s, worst {max(times):.3f} s")


if __name__ == "__main__":
    main()
