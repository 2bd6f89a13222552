"""How chat messages are understood, on intent batches (run by hand).

    python -m bench.intent_check FILE...        # from the worktree root
    python -m bench.intent_check -q FILE...     # figures only, no misses

A file is JSON lines ``{"text", "kind", "complaint": true|false}`` (the format of
``../shared/eval/intent.dev.jsonl``). Each text goes through ``knowledge.intent.
classify_message`` and the conversation's first decision for a sender with nothing on file
(``bot.services.conversation``): a confident complaint is filed, an unsure text gets the
clarifying question, a question that may still be a grievance is answered and asked whether
to handle it too (``answer+ask``: counted as asked back), anything else is answered without a
work order. Prints the issue's
three figures: non-complaints filed as complaints, complaints that got neither a work order
nor the clarifying question, complaints sent to the clarifying question; then the kind
accuracy and the misses.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from knowledge.intent import MessageIntent, MessageKind, classify_message


def decision(intent: MessageIntent) -> str:
    """``file``, ``clarify`` or ``answer`` (welcome, policy answer, status list, ...), as the
    conversation decides for a sender with no complaint on file."""
    if intent.kind is MessageKind.COMPLAINT and intent.confident:
        return "file"
    if intent.kind is MessageKind.VAGUE or not intent.confident:
        return "clarify"
    if intent.kind in (MessageKind.FOLLOWUP, MessageKind.CHASE, MessageKind.STATUS):
        return "clarify"  # nothing on file to add it to or report on: asked which
    if intent.may_be_complaint:
        return "answer+ask"  # the policy answer, and asked whether to handle it too
    return "answer"


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}% ({n}/{d})" if d else "   n/a"


def check(path: Path, quiet: bool) -> dict[str, Any]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    filed_wrongly = lost = clarified = kind_right = 0
    complaints = [r for r in rows if r["complaint"]]
    others = [r for r in rows if not r["complaint"]]
    by_kind: Counter[str] = Counter()
    misses: list[str] = []
    for row in rows:
        intent = classify_message(row["text"])
        decided = decision(intent)
        kind_right += intent.kind.value == row["kind"]
        by_kind[f"{row['kind']}->{decided}"] += 1
        if row["complaint"]:
            if decided in ("clarify", "answer+ask"):
                clarified += 1
            elif decided != "file":
                lost += 1
                misses.append(f"  LOST   {intent.kind.value:9} {intent.source:18} {row['text']}")
        elif decided == "file":
            filed_wrongly += 1
            misses.append(
                f"  FILED  {row['kind']:9} {intent.source:18} {intent.confidence:.2f} {row['text']}"
            )
    figures = {
        "non-complaints filed": pct(filed_wrongly, len(others)),
        "complaints lost (no order, no question)": pct(lost, len(complaints)),
        "complaints asked back": pct(clarified, len(complaints)),
        "kind accuracy": pct(kind_right, len(rows)),
    }
    print(f"== {path}")
    for name, value in figures.items():
        print(f"  {name:42} {value}")
    if not quiet:
        print("  decisions:", dict(sorted(by_kind.items())))
        print("\n".join(misses))
    return figures


def main(argv: list[str]) -> int:
    quiet = "-q" in argv
    for name in (a for a in argv if a != "-q"):
        check(Path(name), quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
