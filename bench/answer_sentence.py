"""Is the quoted sentence the one that answers? (run by hand)

    python -m bench.answer_sentence [FILE...]

1. The corpus's own questions, each left out in turn: given the right entry, is the chosen
   sentence the writer's answering sentence? (The model is trained on every line; the line
   itself does not vote. Each entry's questions come from one writer, so this is kinder than
   wording from another writer: the blind batches say how much.)
2. Question files with a ``snippet`` (JSON lines: ``question`` or ``text``, ``accepted`` ids,
   ``snippet``): top-1 right and the quoted sentence holds the snippet.
The sentence ranker and the hand formula side by side, one blind batch left out at a time:
``bench/spent_lobo.py``.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from knowledge import brain
from knowledge.learned.combine import CombinedAsker, _sentence_of
from knowledge.learned.corpus import load_corpus
from knowledge.learned.sentences import best


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}% ({n}/{d})" if d else "n/a"


def corpus_check(asker: CombinedAsker) -> None:
    by_id = {m.id: m for m in asker.searcher.measures}
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for ex in load_corpus().questions:
        if not ex.answer or ex.entry not in by_id:
            continue
        measure = by_id[ex.entry]
        sentences = asker.searcher.sentences_of(measure)
        truth = _sentence_of(ex.answer, sentences)
        if truth is None:
            continue
        candidates, _matched, rows = asker.sentence_rows(ex.text, measure, own=ex.text)
        chosen = candidates[best(rows, asker.sentence_weights)]
        for key in ("all", ex.style or "-"):
            tally[key][0] += 1
            tally[key][1] += chosen == sentences[truth]
    for key, (n, right) in sorted(tally.items()):
        print(f"  corpus/{key:10} right entry -> answering sentence {pct(right, n)}")


def file_check(asker: CombinedAsker, path: Path) -> None:
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else None
        if not row or "snippet" not in row or "accepted" not in row:
            continue
        answer = asker.answer(row.get("question") or row["text"], limit=3)
        one = bool(answer.hits) and answer.hits[0].measure.id in row["accepted"]
        quoted = one and row["snippet"] in answer.hits[0].snippet
        for key in ("all", row.get("kind", "-")):
            tally[key][0] += 1
            tally[key][1] += one
            tally[key][2] += quoted
    for key, (n, one, quoted) in sorted(tally.items()):
        print(f"  {path.name}/{key:10} top1 {pct(one, n)} quoted sentence answers {pct(quoted, n)}")


def main(argv: list[str]) -> int:
    asker = brain.asker()
    if not isinstance(asker, CombinedAsker):
        print("the learned layer is off")
        return 1
    print(f"== sentence weights {asker.sentence_weights.round(3).tolist()}")
    corpus_check(asker)
    for name in argv:
        file_check(asker, Path(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
