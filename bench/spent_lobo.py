"""What the spent blind batches are worth as training data, one writer's batches left out
at a time (run by hand; prints figures, asserts nothing).

    python -m bench.spent_lobo                    # questions: top-1/3, quoted sentence
    python -m bench.spent_lobo --misses           # ... with each quoted-sentence miss
    python -m bench.spent_lobo --complaints       # routing on the 2026-12 complaint batches
    python -m bench.spent_lobo [--complaints] --no-spent   # the same folds, no spent lines

A blind batch is spent once its first look is reported (``bench/heldout/README.md``); from
then on its lines may train the model (``scripts/spent_batches.py`` writes them into
``knowledge/corpus/spent.jsonl``). This measures that honestly: for each batch, the model is
trained on the corpus and on the spent lines of every *other* writer (one writer wrote all
the files of one date suffix), then given the held-out batch. Questions (the batches that
give the answering fragment, ``snippet``): top-1, top-3 and whether the quoted sentence holds
the fragment, by the fitted sentence ranker and by the hand formula, per kind. Complaints:
an accepted lead unit, wrong and not dispatched, dispatched, 1330 right and false 1330.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from knowledge import brain
from knowledge.learned.build import (
    build_model,
    build_trained,
    fit_sentence_ranker,
    route_calibration,
)
from knowledge.learned.combine import CombinedAsker, CombinedRouter
from knowledge.learned.corpus import Corpus, Example, load_corpus
from knowledge.learned.sentences import weights_of
from knowledge.learned.train import HEADS, UNIT_HEAD
from knowledge.routing.router import RouteDecision

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "bench" / "heldout"


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}% ({n}/{d})" if d else "n/a"


def evaluate(asker: CombinedAsker, path: Path, misses: bool) -> dict[str, list[int]]:
    """Per kind: questions, top-1 right, top-3 right, quoted sentence holds the snippet."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        answer = asker.answer(row["question"], limit=3)
        ids = [h.measure.id for h in answer.hits]
        one = bool(ids) and ids[0] in row["accepted"]
        quoted = one and row["snippet"] in answer.hits[0].snippet
        if misses and one and not quoted:
            print(f"  MISS {row['question']}")
            print(f"    want {row['snippet']}\n    got  {answer.hits[0].snippet}")
        for key in ("all", row.get("kind", "-")):
            t = tally[key]
            t[0] += 1
            t[1] += one
            t[2] += any(i in row["accepted"] for i in ids)
            t[3] += quoted
    return tally


def writer(name: str) -> str:
    """A batch file's date suffix (one writer wrote every file of it)."""
    return name.rsplit(".", 2)[-2]


def without_writer(corpus: Corpus, suffix: str, spent: bool) -> Corpus:
    """The corpus without any spent line of the writer of batches ``suffix``; with ``spent``
    false, without any spent line about an entry either (chat lines still train the kind
    head)."""

    def keep(example: Example) -> bool:
        if example.group != "spent":
            return True
        if writer(example.style.removeprefix("spent:")) == suffix:
            return False
        return spent or example.entry is None

    return Corpus(
        tuple(e for e in corpus.entries if keep(e)), tuple(m for m in corpus.messages if keep(m))
    )


def complaints(
    corpus: Corpus,
    files: Sequence[Path],
    spent: bool,
    misses: bool = False,
    variants: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Routing, one writer left out: right, wrong and not dispatched, dispatched, 1330; for
    each variant (``CombinedRouter`` options; default: as shipped, with the unit head choosing
    among a measure's lead units, and with the plan's first lead unit), on the same fold's
    model, the routing confidence calibrated for the variant. With ``misses``, each wrong unit
    of the first variant, marked ``unit`` when an accepted unit leads the chosen measure (only
    the choice among its lead units was wrong) and ``measure`` otherwise."""
    variants = variants or {"shipped (unit head)": {}, "first lead unit": {"use_unit_head": False}}
    heads = [h for h in HEADS if h.name in ("complaint", "financing", UNIT_HEAD.name)]
    router = brain.retrieval_router()
    by_id = {m.id: m for m in router.searcher.measures}
    first = next(iter(variants))
    # n, right, silent, dispatched, fin, fin ok, false 1330
    total = {v: [0] * 7 for v in variants}
    seen: dict[str, list[tuple[bool, float]]] = {v: [] for v in variants}  # (right, confidence)
    money: list[tuple[bool, float]] = []  # (financing line, p financing)
    for path in files:
        fold = without_writer(corpus, writer(path.name), spent)
        model, trained = build_trained(fold, heads, "lobo")
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for variant, options in variants.items():
            model.combiner["route"] = route_calibration(model, trained, **options)
            combined = CombinedRouter(router, model, router.searcher.measures, **options)
            t = [0] * 7
            for row in rows:
                decision = combined.route(row["text"])
                right = decision.lead_unit in row["accepted_units"]
                if misses and not right and variant == first:
                    _print_miss(row, decision, by_id)
                seen[variant].append((right, decision.confidence if decision.lead_unit else -1.0))
                financing = row["sla_policy"] == "1330"
                if variant == first:
                    money.append((financing, combined.financing(row["text"])[1]))
                t[0] += 1
                t[1] += right
                t[2] += (not right) and not decision.needs_dispatcher
                t[3] += decision.needs_dispatcher
                t[4] += financing
                t[5] += financing and decision.sla_policy == "1330"
                t[6] += (not financing) and decision.sla_policy == "1330"
            for i, v in enumerate(t):
                total[variant][i] += v
            _print_routing(f"{path.name} {variant}", t)
    for variant in variants:
        _print_routing(f"ALL {variant}", total[variant])
    for bar in (0.3, 0.5, 0.6, 0.7, 0.8):
        print(
            f"  1330 bar {bar:.2f}: financing lines "
            f"{pct(sum(1 for f, p in money if f and p >= bar), sum(1 for f, _ in money if f))}, "
            f"false {sum(1 for f, p in money if p >= bar and not f)}"
        )
    for variant in variants:
        for below in (0.7, 0.75, 0.8, 0.85, 0.9):
            silent = sum(1 for right, c in seen[variant] if not right and c >= below)
            sent = sum(1 for _right, c in seen[variant] if c < below)
            print(
                f"  {variant}: dispatch below {below:.2f}: silent "
                f"{pct(silent, len(seen[variant])):14} dispatched {pct(sent, len(seen[variant]))}"
            )


def _print_miss(row: dict[str, Any], decision: RouteDecision, measures: dict[str, Any]) -> None:
    measure = measures[decision.measure.id] if decision.measure else None
    leads = (*measure.lead_units, *measure.lead_groups) if measure else ()
    where = "unit" if set(leads) & set(row["accepted_units"]) else "measure"
    said = "dispatched" if decision.needs_dispatcher else "SILENT"
    print(
        f"  MISS {where:7} {said:10} {decision.confidence:.2f} {row['text'][:70]}\n"
        f"    got {decision.lead_unit} ({measure.id if measure else '-'} {'、'.join(leads)})"
        f" want {'、'.join(row['accepted_units'])}"
    )


def _print_routing(name: str, t: Sequence[int]) -> None:
    print(
        f"{name:45} right {pct(t[1], t[0]):16} silent {pct(t[2], t[0]):14} "
        f"dispatched {pct(t[3], t[0]):14} 1330 {pct(t[5], t[4]):12} false 1330 {t[6]}",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-spent", action="store_true", help="train without spent batches")
    parser.add_argument("--misses", action="store_true", help="print each miss (sentence or unit)")
    parser.add_argument("--complaints", action="store_true", help="routing, not questions")
    parser.add_argument(
        "--financing-weights",
        help="complaints: compare these weights of the financial units for a financing "
        "request (comma-separated; shipped: FINANCING_WEIGHT)",
    )
    parser.add_argument("batches", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.complaints:
        recent = sorted(HELDOUT.glob("complaints.2026-12-*.jsonl"))
        variants = None
        if args.financing_weights:
            variants = {
                f"financing weight {w}": {"financing_weight": float(w)}
                for w in args.financing_weights.split(",")
            }
        complaints(load_corpus(), args.batches or recent, not args.no_spent, args.misses, variants)
        return 0
    files = args.batches or sorted(
        p for p in HELDOUT.glob("questions.*.jsonl") if '"snippet"' in p.read_text("utf-8")
    )
    corpus = load_corpus()
    searcher = brain.retrieval_router().searcher
    question_head = [h for h in HEADS if h.name == "question"]
    total: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for path in files:
        fold = without_writer(corpus, writer(path.name), not args.no_spent)
        model = build_model(corpus=fold, heads=question_head, calibrate=False, version="lobo")
        fitted = fit_sentence_ranker(model, fold)
        for variant in ("hand", "ranker"):
            asker = CombinedAsker(searcher, model)
            if variant == "ranker":
                asker.sentence_weights = weights_of({"sentence": fitted})
            tally = evaluate(asker, path, args.misses and variant == "ranker")
            for key, (n, one, three, quoted) in sorted(tally.items()):
                for i, v in enumerate((n, one, three, quoted)):
                    total[f"{variant}/{key}"][i] += v
                print(
                    f"{path.name:34} {variant:6} {key:10} top1 {pct(one, n):16} "
                    f"top3 {pct(three, n):16} quoted {pct(quoted, n)}",
                    flush=True,
                )
        print(f"  ranker weights: {dict(zip(fitted['features'], fitted['weights'], strict=True))}")
    for key, (n, one, three, quoted) in sorted(total.items()):
        print(
            f"{'ALL':34} {key:17} top1 {pct(one, n):16} top3 {pct(three, n):16} "
            f"quoted {pct(quoted, n)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
