"""The understanding issue's table on one blind batch (run by hand, once per batch).

    python -m bench.blind_check DIR   # DIR: complaints.jsonl, questions.jsonl, intent.jsonl

Complaints (``text``, ``accepted_units``, ``sla_policy``, ``style``): an accepted lead unit;
wrong and not sent to a dispatcher (a silent error); sent to a dispatcher; 1330 right on the
financing lines, and 1330 given to a line that is not financing. Questions (``question``,
``accepted``, ``kind``, ``snippet``): top-1 and top-3 per kind, and whether the sentence
quoted for the first hit contains the batch's snippet. Intent: ``bench.intent_check``.
Uses the same answerer and router as ``yousu ask`` / ``yousu route`` (``knowledge.brain``).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.intent_check import check as check_intent
from knowledge import brain


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}% ({n}/{d})" if d else "n/a"


def complaints(path: Path) -> None:
    router = brain.router()
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # n, right, silent, disp
    fin = fin_ok = false_1330 = 0
    for row in _rows(path):
        decision = router.route(row["text"])
        right = decision.lead_unit in row["accepted_units"]
        for key in ("all", row.get("style", "-")):
            t = tally[key]
            t[0] += 1
            t[1] += right
            t[2] += (not right) and not decision.needs_dispatcher
            t[3] += decision.needs_dispatcher
        if row["sla_policy"] == "1330":
            fin += 1
            fin_ok += decision.sla_policy == "1330"
        elif decision.sla_policy == "1330":
            false_1330 += 1
    for key, (n, right, silent, disp) in sorted(tally.items(), key=lambda kv: kv[0] != "all"):
        print(
            f"  complaints/{key:10} right {pct(right, n):16} wrong&not-dispatched "
            f"{pct(silent, n):16} dispatched {pct(disp, n)}"
        )
    print(f"  1330 right on financing lines {pct(fin_ok, fin)}; false 1330: {false_1330}")


def questions(path: Path) -> None:
    asker = brain.asker()
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # n, top1, top3, quote
    for row in _rows(path):
        answer = asker.answer(row["question"], limit=3)
        ids = [h.measure.id for h in answer.hits]
        one = bool(ids) and ids[0] in row["accepted"]
        three = any(i in row["accepted"] for i in ids)
        quoted = one and row.get("snippet", "") in answer.hits[0].snippet
        for key in ("all", row.get("kind", "-")):
            t = tally[key]
            t[0] += 1
            t[1] += one
            t[2] += three
            t[3] += quoted
    for key, (n, one, three, quoted) in sorted(tally.items()):
        print(
            f"  questions/{key:10} top1 {pct(one, n):16} top3 {pct(three, n):16} "
            f"quoted sentence answers {pct(quoted, n)}"
        )


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    print(f"== {folder}")
    complaints(folder / "complaints.jsonl")
    questions(folder / "questions.jsonl")
    check_intent(folder / "intent.jsonl", quiet=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
