"""Rewrite knowledge/corpus/spent.jsonl from the spent blind batches in bench/heldout (run by
hand after a batch's first look is reported; never before).

Questions keep the entry their writer accepted first and the fragment that answers (when the
batch gives one). Complaints name units, not entries: a complaint keeps a measure its
accepted units lead (``complaint_entry``; retrieval only, so the learned model never labels
its own training lines), its SLA policy and its accepted units (the unit head, which picks
among a measure's lead units); a complaint no such measure is found for trains the
message-kind and unit heads only.
"""

from __future__ import annotations

import json
from pathlib import Path

from knowledge import brain
from knowledge.base import load_knowledge_base
from knowledge.model import Measure
from knowledge.units import UnknownUnit

ROOT = Path(__file__).resolve().parent.parent


def complaint_entry(text: str, accepted: list[str]) -> str | None:
    """The measure a complaint is about: among the measures its accepted units lead, the one
    led by most of them, then the one whose first lead unit (where routing sends it when the
    text names none) is accepted, then the one retrieval ranks highest."""
    kb = load_knowledge_base()
    names: set[str] = set()
    for unit in accepted:
        try:
            names.update((unit, *kb.units.aliases_of(unit)))
        except UnknownUnit:  # a writer's misspelt unit leads nothing
            continue
    ranked = [c.hit.measure for c in brain.retrieval_router().assess(text).candidates]
    rank = {m.id: i for i, m in enumerate(ranked)}
    led = [m for m in kb.measures if names & {*m.lead_units, *m.lead_groups}]
    if not led:
        return None

    def preference(measure: Measure) -> tuple[int, bool, int]:
        leads = (*measure.lead_units, *measure.lead_groups)
        return (
            len(names & set(leads)),
            leads[0] in names,
            -rank.get(measure.id, len(rank)),
        )

    best = max(led, key=preference)
    return best.id if best.id in rank or len(led) == 1 else None


def main() -> None:
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for path in sorted((ROOT / "bench" / "heldout").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            extra: dict[str, object] = {}
            if "question" in row:
                kind, text = "question", row["question"]
                extra["entry"] = row["accepted"][0]
                if row.get("snippet"):
                    extra["answer"] = row["snippet"]
            elif "accepted_units" in row:
                kind, text = "complaint", row["text"]
                extra["units"] = row["accepted_units"]
                entry = complaint_entry(text, row["accepted_units"])
                if entry is not None:
                    extra["entry"] = entry
                    extra["sla"] = row.get("sla_policy", "general")
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
