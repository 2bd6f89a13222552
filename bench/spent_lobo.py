"""What the spent blind batches are worth as training data, one batch left out at a time
(run by hand; prints figures, asserts nothing).

    python -m bench.spent_lobo                 # every question batch with snippets
    python -m bench.spent_lobo --no-spent      # the same folds without the spent questions

A blind batch is spent once its first look is reported (``bench/heldout/README.md``); from
then on its lines may train the model (``scripts/spent_batches.py`` writes them into
``knowledge/corpus/spent.jsonl``). This measures that honestly: for each question batch that
gives the answering fragment (``snippet``), the question head is trained on the corpus and on
every *other* spent batch, then asked the held-out batch's questions: top-1, top-3 and
whether the quoted sentence holds the fragment, per kind (plain / colloquial).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from knowledge import brain
from knowledge.learned.build import build_model, fit_sentence_ranker
from knowledge.learned.combine import CombinedAsker
from knowledge.learned.corpus import Corpus, load_corpus
from knowledge.learned.sentences import weights_of
from knowledge.learned.train import HEADS

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "bench" / "heldout"


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}% ({n}/{d})" if d else "n/a"


def without(corpus: Corpus, source: str, spent: bool) -> Corpus:
    """The corpus without the spent lines of ``source`` (and without any spent question or
    complaint about an entry when ``spent`` is false)."""
    entries = tuple(
        e for e in corpus.entries if e.group != "spent" or (spent and e.style != f"spent:{source}")
    )
    messages = tuple(m for m in corpus.messages if m.style != f"spent:{source}")
    return Corpus(entries, messages)


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-spent", action="store_true", help="train without spent batches")
    parser.add_argument("--misses", action="store_true", help="print each quoted-sentence miss")
    parser.add_argument("batches", nargs="*", type=Path)
    args = parser.parse_args(argv)
    files = args.batches or sorted(
        p for p in HELDOUT.glob("questions.*.jsonl") if '"snippet"' in p.read_text("utf-8")
    )
    corpus = load_corpus()
    searcher = brain.retrieval_router().searcher
    question_head = [h for h in HEADS if h.name == "question"]
    total: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for path in files:
        fold = without(corpus, path.name, not args.no_spent)
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
