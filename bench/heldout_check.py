"""Accuracy of search and routing on question and complaint files (run by hand).

    python -m bench.heldout_check FILE...        # from the worktree root
    python -m bench.heldout_check -q FILE...     # figures only, no misses

Uses the same in-process answerer and router as ``yousu ask`` / ``yousu route``
(``knowledge.brain``: the learned model with retrieval; ``YOUSU_LEARNED=off`` for retrieval
alone). A file is read as JSON lines and recognised by its fields:

- questions: ``question`` or ``text``, with ``accepted`` (measure ids, held-out format) or
  ``accept`` (title fragments, development format); an optional ``kind`` splits the figures
  (plain / colloquial). Prints top-1 and top-3, and each top-1 miss with the top three.
- complaints: ``text`` with ``accepted_units`` (canonical lead-unit names) or
  ``accept_units`` (name fragments, matched in the name or a registry alias), and
  ``sla_policy`` / ``sla``. Prints lead-unit accuracy, exact SLA policy, ``1330`` on the
  financing lines and the share sent to a dispatcher, and each miss.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from knowledge import brain
from knowledge.brain import Answers, Routes
from knowledge.model import Measure


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}% ({n}/{d})" if d else "   n/a"


def measure_ok(measure: Measure, item: dict[str, Any]) -> bool:
    if "accepted" in item:
        return measure.id in item["accepted"]
    return any(a in measure.title for a in item["accept"])


def unit_ok(router: Routes, unit: str | None, item: dict[str, Any]) -> bool:
    if unit is None:
        return False
    if "accepted_units" in item:
        return unit in item["accepted_units"]
    names = (unit, *router.aliases(unit))
    return any(a in n for a in item["accept_units"] for n in names)


def check_questions(
    searcher: Answers, name: str, items: Sequence[dict[str, Any]], *, quiet: bool
) -> dict[str, tuple[int, int, int]]:
    kinds = sorted({it.get("kind", "all") for it in items})
    groups = [*kinds, "*"] if len(kinds) > 1 else kinds
    out: dict[str, tuple[int, int, int]] = {}
    misses: list[str] = []
    tallies = {k: [0, 0, 0] for k in groups}
    for it in items:
        text = it.get("question") or it["text"]
        hits = [h.measure for h in searcher.answer(text, limit=3, snippets=False).hits]
        one = bool(hits) and measure_ok(hits[0], it)
        three = any(measure_ok(m, it) for m in hits)
        for k in groups:
            if k in ("*", it.get("kind", "all")):
                t = tallies[k]
                t[0] += 1
                t[1] += one
                t[2] += three
        if not one:
            want = "/".join(it.get("accepted") or it["accept"])
            got = ", ".join(m.id for m in hits)
            misses.append(f"  {'✓' if three else '✗'} {text} — want {want} — got {got}")
    for k in groups:
        n, one, three = tallies[k]
        label = f"{name}/{'all' if k == '*' else k}" if len(groups) > 1 else name
        print(f"{label:48} top1 {pct(one, n)}   top3 {pct(three, n)}")
        out[label] = (n, one, three)
    if misses and not quiet:
        print("\n".join(misses))
    return out


def check_complaints(
    router: Routes, name: str, items: Sequence[dict[str, Any]], *, quiet: bool
) -> None:
    ok = sla_ok = fin = fin_ok = disp = 0
    misses: list[str] = []
    for it in items:
        decision = router.route(it["text"])
        expected_sla = it.get("sla_policy") or it.get("sla") or "general"
        good = unit_ok(router, decision.lead_unit, it)
        ok += good
        sla_ok += decision.sla_policy == expected_sla
        disp += decision.needs_dispatcher
        if expected_sla == "1330":
            fin += 1
            fin_ok += decision.sla_policy == "1330"
        if not good or decision.sla_policy != expected_sla:
            want = "/".join(it.get("accepted_units") or it["accept_units"])
            where = decision.measure.id if decision.measure else "-"
            misses.append(
                f"  {it['text']} — want {want}, {expected_sla} — got {decision.lead_unit} "
                f"({where}), {decision.sla_policy}"
            )
    n = len(items)
    print(
        f"{name:48} lead unit {pct(ok, n)}   sla {pct(sla_ok, n)}   "
        f"financing->1330 {pct(fin_ok, fin)}   dispatcher {pct(disp, n)}"
    )
    if misses and not quiet:
        print("\n".join(misses))


def main(argv: Sequence[str]) -> int:
    quiet = "-q" in argv
    files = [Path(a) for a in argv if a != "-q"]
    if not files:
        print(__doc__)
        return 2
    searcher = brain.asker()
    router = brain.router()
    for path in files:
        items = read_jsonl(path)
        if not items:
            print(f"{path.name}: empty")
            continue
        if "accepted_units" in items[0] or "accept_units" in items[0]:
            check_complaints(router, path.name, items, quiet=quiet)
        else:
            check_questions(searcher, path.name, items, quiet=quiet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
