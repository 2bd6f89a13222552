"""Rewrite knowledge/corpus/spent.jsonl from the spent blind batches in bench/heldout (run by
hand after a batch's first look is reported; never before)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for path in sorted((ROOT / "bench" / "heldout").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            extra: dict[str, str] = {}
            if "question" in row:
                kind, text = "question", row["question"]
                extra["entry"] = row["accepted"][0]
                if row.get("snippet"):
                    extra["answer"] = row["snippet"]
            elif "accepted_units" in row:
                kind, text = "complaint", row["text"]
            else:
                kind, text = row["kind"], row["text"]
            if text not in seen:
                seen.add(text)
                out.append({"kind": kind, "text": text, **extra, "source": path.name})
    target = ROOT / "knowledge" / "corpus" / "spent.jsonl"
    target.write_text(
        "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in out), encoding="utf-8"
    )
    print(f"{len(out)} texts -> {target}")


if __name__ == "__main__":
    main()
