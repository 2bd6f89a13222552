"""The chat's first decision on the spent intent batches, one writer's batches left out of
training at a time, for several settings of the question/complaint doubt (run by hand;
prints figures, asserts nothing).

    python -m bench.intent_lobo                      # GRIEVANCE_DOUBT 0.05 .. 0.4
    python -m bench.intent_lobo --grievance 0.2 --ask 0.02 0.05 0.1   # the answer-and-ask band
    python -m bench.intent_lobo --grievance 0.2 -v   # one setting, with the misses

For each ``intent.*.jsonl`` in ``bench/heldout``, the message-kind head is trained on the
corpus without any spent line of that batch's writer (every spent file with the same date
suffix), then each text goes through ``knowledge.intent.classify_message`` and the
conversation's decision (``bench.intent_check.decision``). Figures summed over the batches:
non-complaints filed, complaints lost (neither filed nor asked back), complaints asked back
(with or without a policy answer), policy questions asked back instead of answered, and
policy questions answered and asked whether to handle them too (the price of asking).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence

from bench.intent_check import decision, pct
from bench.spent_lobo import HELDOUT, without_writer, writer
from knowledge import intent
from knowledge.learned.build import build_model
from knowledge.learned.corpus import Corpus, load_corpus
from knowledge.learned.train import HEADS

KindModel = Callable[[str], Mapping[str, float]]


def fold_model(corpus: Corpus, suffix: str) -> KindModel:
    kind_head = [h for h in HEADS if h.name == "kind"]
    fold = without_writer(corpus, suffix, spent=True)
    model = build_model(corpus=fold, heads=kind_head, calibrate=False, version="lobo")
    return model.kind_probabilities


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grievance", type=float, nargs="*", default=None)
    parser.add_argument("--ask", type=float, nargs="*", default=None)
    parser.add_argument("-v", action="store_true", help="print the misses")
    args = parser.parse_args(argv)
    settings = args.grievance or [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 1.01]
    corpus = load_corpus()
    files = sorted(HELDOUT.glob("intent.*.jsonl"))
    rows_by_file = {
        p: [json.loads(line) for line in p.read_text("utf-8").splitlines() if line] for p in files
    }
    models = {p: fold_model(corpus, writer(p.name)) for p in files}
    asks = args.ask or [intent.GRIEVANCE_ASK]
    for g, a in ((g, a) for g in settings for a in asks):
        intent.GRIEVANCE_DOUBT, intent.GRIEVANCE_ASK = g, a
        filed = lost = asked = questions_asked = questions_also = 0
        n_complaints = n_others = n_questions = 0
        for path, rows in rows_by_file.items():
            for row in rows:
                decided = decision(intent.classify_message(row["text"], model=models[path]))
                if row["complaint"]:
                    n_complaints += 1
                    asked += decided in ("clarify", "answer+ask")
                    lost += decided not in ("clarify", "answer+ask", "file")
                    if args.v and decided not in ("clarify", "answer+ask", "file"):
                        print(f"  LOST  {path.name} {row['text']}")
                else:
                    n_others += 1
                    filed += decided == "file"
                    if row["kind"] == "question":
                        n_questions += 1
                        questions_asked += decided == "clarify"
                        questions_also += decided == "answer+ask"
        print(
            f"doubt {g:4.2f} ask {a:4.2f}: non-complaints filed {pct(filed, n_others)}  "
            f"complaints lost {pct(lost, n_complaints)}  asked back {pct(asked, n_complaints)}  "
            f"questions asked back {pct(questions_asked, n_questions)}, answered and asked "
            f"{pct(questions_also, n_questions)}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
