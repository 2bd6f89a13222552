"""Ablations of the learned layer: each part's share, by cross-validation and on the
development sets (run by hand; prints figures, asserts nothing).

    python -m bench.learned_ablation                    # every scheme (about 10 minutes)
    python -m bench.learned_ablation --scheme writer    # one of: writer, lines, dev, quotes
    python -m bench.learned_ablation --cache DIR        # keep the fold models (default: a
                                                        # folder under the system's temp dir)

Schemes:

- ``writer``: 5 folds grouped by writer. Folds 1-4 hold out one writer's part of the entries
  corpus (``entries.partN``; train on the other three) and a fifth of ``messages.jsonl``;
  fold 5 holds out the last fifth of the messages only. The parts split the *entries*
  round-robin, so a held-out part's entries have **no** examples in training: this measures
  the model on matters it has never seen described (a new plan without new corpus), and the
  combination's robustness to that.
- ``lines``: 5 folds stratified by entry over the lines (seed 0): every entry has examples in
  training, the held-out lines are by the same writer. The optimistic end.
- ``dev``: the model trained on the whole corpus, on the development sets the corpus writers
  never saw: ``/work/shared/eval/*.jsonl``, ``tests/data/*.own.jsonl`` and the committed
  ``bench/heldout`` batches (all of which the hand lexicon was tuned on: they flatter
  retrieval).

- ``quotes``: the answering sentence alone: for every corpus question, the sentence chosen in
  its own entry (so the ranking does not count), by retrieval's chooser and by the combined
  one (learned closeness to the question, figures for number questions), with the vectors
  of the writer fold that holds the question out; and on the development questions that
  give a fragment of the answer.

Variants: retrieval alone (the design before the learned layer, with the new refusal rule),
retrieval without the lexicon, retrieval without the refusal rule, model alone, model without
lexicon features, combined, combined without lexicon (model and retrieval), combined without
rules (refusal rule, trigger words, financial units).

Figures: complaint -> accepted lead unit; wrong and not sent to a dispatcher; sent to a
dispatcher; financing complaints given 1330 and general ones given 1330 (false 1330);
question top-1 / top-3; the quoted sentence is the answering one (when top-1 is right);
message kind accuracy.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from knowledge import brain
from knowledge.base import load_knowledge_base
from knowledge.intent import _fallback as fallback_intent
from knowledge.intent import classify_message, rule_intent
from knowledge.learned.combine import CombinedAsker, CombinedRouter
from knowledge.learned.corpus import Corpus, Example, load_corpus
from knowledge.learned.features import FeatureConfig
from knowledge.learned.model import LearnedModel
from knowledge.model import Measure
from knowledge.routing.router import Router
from knowledge.search import Searcher
from knowledge.search.lexicon import Lexicon, load_lexicon
from knowledge.search.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
EVAL = Path("/work/shared/eval")
SEED = 0


# -- items to score -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Item:
    text: str
    kind: str  # complaint / question / a message kind
    accepts: Callable[[str | None, Measure | None], bool]  # (unit, measure) -> right?
    sla: str | None = None
    answer: str | None = None  # a question's answering sentence (or a fragment of it)
    source: str = ""
    routed: bool = True  # scored for routing / answering (not the intent set's lines)


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def corpus_items(examples: Iterable[Example], by_id: dict[str, Measure]) -> list[Item]:
    out = []
    for ex in examples:
        if ex.kind in ("complaint", "question") and ex.entry is not None:
            measure = by_id[ex.entry]
            leads = (*measure.lead_units, *measure.lead_groups)
            entry = ex.entry
            out.append(
                Item(
                    ex.text,
                    ex.kind,
                    (
                        lambda u, m, leads=leads, entry=entry: (
                            (u in leads) if u is not None else (m is not None and m.id == entry)
                        )
                    ),
                    sla=ex.sla,
                    answer=ex.answer,
                    source=f"{ex.group}/{ex.style}",
                )
            )
        else:
            out.append(Item(ex.text, ex.kind, lambda _u, _m: False, source=ex.group))
    return out


def dev_items(aliases: Callable[[str], Sequence[str]]) -> dict[str, list[Item]]:
    sets: dict[str, list[Item]] = {}
    complaint_files = [
        EVAL / "complaints.dev.jsonl",
        ROOT / "tests/data/complaints.own.jsonl",
        *sorted((ROOT / "bench/heldout").glob("complaints.*.jsonl")),
    ]
    question_files = [
        EVAL / "questions.dev.jsonl",
        ROOT / "tests/data/questions.own.jsonl",
        *sorted((ROOT / "bench/heldout").glob("questions.*.jsonl")),
    ]
    for path in complaint_files:
        items = []
        for it in _read(path):
            if "accepted_units" in it:
                good = set(it["accepted_units"])

                def ok(u: str | None, _m: Measure | None, good: set[str] = good) -> bool:
                    return u in good
            else:
                frags = list(it["accept_units"])

                def ok(u: str | None, _m: Measure | None, frags: list[str] = frags) -> bool:
                    return u is not None and any(f in n for f in frags for n in (u, *aliases(u)))

            sla = it.get("sla_policy") or it.get("sla") or "general"
            items.append(Item(it["text"], "complaint", ok, sla=sla, source=path.name))
        if items:
            sets[_short(path)] = items
    for path in question_files:
        items = []
        for it in _read(path):
            if "accepted" in it:
                ids = set(it["accepted"])

                def okq(_u: str | None, m: Measure | None, ids: set[str] = ids) -> bool:
                    return m is not None and m.id in ids
            else:
                titles = list(it["accept"])

                def okq(_u: str | None, m: Measure | None, titles: list[str] = titles) -> bool:
                    return m is not None and any(t in m.title for t in titles)

            text = it.get("question") or it["text"]
            items.append(Item(text, "question", okq, answer=it.get("snippet"), source=path.name))
        if items:
            sets[_short(path)] = items
    intent = [
        Item(it["text"], it["kind"], lambda _u, _m: False, source="intent.dev", routed=False)
        for it in _read(EVAL / "intent.dev.jsonl")
    ]
    if intent:
        sets["intent.dev"] = intent
    return sets


def _short(path: Path) -> str:
    name = path.name.replace(".jsonl", "")
    return name.replace("complaints.", "c.").replace("questions.", "q.")


# -- folds ------------------------------------------------------------------------------------


def writer_folds(corpus: Corpus) -> list[tuple[str, Corpus, list[Example]]]:
    messages = list(corpus.messages)
    fifth = [messages[i::5] for i in range(5)]
    folds = []
    for k in range(5):
        held_part = f"part{k + 1}" if k < 4 else None
        held_messages = set(id(m) for m in fifth[k])
        train_entries = tuple(e for e in corpus.entries if e.group != held_part)
        train_messages = tuple(m for m in messages if id(m) not in held_messages)
        test = [e for e in corpus.entries if e.group == held_part] + fifth[k]
        folds.append((f"writer{k + 1}", Corpus(train_entries, train_messages), test))
    return folds


def line_folds(corpus: Corpus) -> list[tuple[str, Corpus, list[Example]]]:
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415

    examples = list(corpus.all)
    labels = [e.entry or e.kind for e in examples]
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    folds = []
    for k, (train, test) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        chosen = [examples[i] for i in train]
        sub = Corpus(
            tuple(e for e in chosen if e.group != "messages"),
            tuple(e for e in chosen if e.group == "messages"),
        )
        folds.append((f"lines{k + 1}", sub, [examples[i] for i in test]))
    return folds


# -- systems ----------------------------------------------------------------------------------


class Systems:
    """The retrieval routers and searchers every fold shares."""

    def __init__(self) -> None:
        self.kb = load_knowledge_base()
        self.measures = list(self.kb.measures)
        self.by_id = {m.id: m for m in self.measures}
        self.router = brain.retrieval_router()
        self.searcher = self.router.searcher
        empty = Lexicon(entries=(), stopwords=load_lexicon().stopwords)
        names = [n for u in self.kb.units.all_units() for n in (u.name, *u.aliases)]
        self.searcher_nolex = Searcher(self.measures, lexicon=empty, unit_names=names)
        self.router_nolex = Router(self.searcher_nolex, aliases_of=self.kb.units.aliases_of)
        no_refusal = dataclasses.replace(self.router.signals, not_responsible=())
        self.router_norules = Router(
            self.searcher, aliases_of=self.kb.units.aliases_of, signals=no_refusal
        )


def _training_key(name: str, config: FeatureConfig) -> str:
    """What a fold's heads depend on: the corpus, the training code, the feature config."""
    import hashlib  # noqa: PLC0415

    digest = hashlib.sha256(name.encode())
    digest.update(json.dumps(config.as_dict(), sort_keys=True).encode())
    learned = ROOT / "knowledge" / "learned"
    for path in [
        *sorted((ROOT / "knowledge" / "corpus").glob("*.jsonl")),
        *sorted((ROOT / "knowledge" / "data").glob("*.json")),
        learned / "train.py",
        learned / "features.py",
        learned / "corpus.py",
    ]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_model(
    cache: Path, name: str, corpus: Corpus, config: FeatureConfig, router: Router
) -> LearnedModel:
    """A fold's model: the trained heads are kept in ``cache`` (a pickle of this machine's
    own making, keyed by what training depends on); the routing calibration is fitted anew
    each run, so changes to the combination need no retraining."""
    import pickle  # noqa: PLC0415

    from knowledge.learned.build import _knowledge, analyzer_for, route_calibration  # noqa: PLC0415
    from knowledge.learned.train import train_model  # noqa: PLC0415

    measures, unit_names = _knowledge()
    analyzer = analyzer_for(config, measures, unit_names)
    path = (
        cache / f"{name}-{'lex' if config.lexicon else 'nolex'}-{_training_key(name, config)}.pkl"
    )
    if path.exists():
        trained = pickle.loads(path.read_bytes())
        trained.vectorizer.analyzer = analyzer
    else:
        t = time.perf_counter()
        trained = train_model(corpus, measures, analyzer)
        print(f"  trained {path.name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        cache.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(trained))
    model = LearnedModel.from_trained(trained, path.stem)
    model.combiner["route"] = route_calibration(model, trained, router)
    return model


# -- scoring ----------------------------------------------------------------------------------


class Tally:
    def __init__(self) -> None:
        self.c: dict[str, float] = defaultdict(float)

    def add(self, key: str, value: float = 1.0) -> None:
        self.c[key] += value


def _same_sentence(chosen: str, answer: str) -> bool:
    a, b = normalize(chosen).strip("。；;，, "), normalize(answer).strip("。；;，, ")
    return bool(a) and bool(b) and (a in b or b in a)


def model_route(
    model: LearnedModel, by_id: dict[str, Measure], text: str
) -> tuple[str | None, bool, bool]:
    """Model alone: best entry's first lead unit; dispatched when its unit holds < 0.5."""
    head = model.heads["complaint"]
    p = model.entry_probabilities(text, "complaint")
    best = by_id[head.classes[int(np.argmax(p))]]
    unit = (best.lead_units or best.lead_groups or (None,))[0]
    mass = sum(
        float(p[i])
        for i, c in enumerate(head.classes)
        if unit in (*by_id[c].lead_units, *by_id[c].lead_groups)
    )
    return unit, mass < 0.5, model.financing_probability(text) >= 0.5


def score(
    tally: Tally,
    variant: str,
    items: Sequence[Item],
    sys_: Systems,
    route: Callable[[str], tuple[str | None, Measure | None, bool, str]] | None,
    ask: Callable[[str], tuple[list[Measure], str | None]] | None,
    kind: Callable[[str], str] | None,
) -> None:
    for it in items:
        if it.kind == "complaint" and route is not None and it.routed:
            unit, measure, dispatched, sla = route(it.text)
            good = it.accepts(unit, measure)
            tally.add(f"{variant}|c.n")
            tally.add(f"{variant}|c.ok", good)
            tally.add(f"{variant}|c.silent", (not good) and not dispatched)
            tally.add(f"{variant}|c.disp", dispatched)
            if it.sla == "1330":
                tally.add(f"{variant}|f.n")
                tally.add(f"{variant}|f.ok", sla == "1330")
            else:
                tally.add(f"{variant}|f.false", sla == "1330")
        if it.kind == "question" and ask is not None and it.routed:
            hits, snippet = ask(it.text)
            one = bool(hits) and it.accepts(None, hits[0])
            tally.add(f"{variant}|q.n")
            tally.add(f"{variant}|q.top1", one)
            tally.add(f"{variant}|q.top3", any(it.accepts(None, m) for m in hits[:3]))
            if it.answer and snippet is not None:
                tally.add(f"{variant}|s.n")
                tally.add(f"{variant}|s.ok", one and _same_sentence(snippet, it.answer))
        if kind is not None:
            tally.add(f"{variant}|k.n")
            tally.add(f"{variant}|k.ok", kind(it.text) == it.kind)


def run_fold(
    tally: Tally,
    sys_: Systems,
    items: Sequence[Item],
    model: LearnedModel,
    model_nolex: LearnedModel,
) -> None:
    by_id = sys_.by_id

    def retrieval(router: Router) -> Callable[[str], tuple[str | None, Measure | None, bool, str]]:
        def go(text: str) -> tuple[str | None, Measure | None, bool, str]:
            d = router.route(text)
            m = by_id[d.measure.id] if d.measure else None
            return d.lead_unit, m, d.needs_dispatcher, d.sla_policy

        return go

    def combined(
        c: CombinedRouter,
    ) -> Callable[[str], tuple[str | None, Measure | None, bool, str]]:
        def go(text: str) -> tuple[str | None, Measure | None, bool, str]:
            d = c.route(text)
            m = by_id[d.measure.id] if d.measure else None
            return d.lead_unit, m, d.needs_dispatcher, d.sla_policy

        return go

    def alone(mdl: LearnedModel) -> Callable[[str], tuple[str | None, Measure | None, bool, str]]:
        def go(text: str) -> tuple[str | None, Measure | None, bool, str]:
            unit, disp, fin = model_route(mdl, by_id, normalize(text))
            return unit, None, disp, "1330" if fin else "general"

        return go

    def search_ask(s: Searcher) -> Callable[[str], tuple[list[Measure], str | None]]:
        def go(q: str) -> tuple[list[Measure], str | None]:
            a = s.answer(q, limit=3)
            return [h.measure for h in a.hits], (a.hits[0].snippet if a.hits else None)

        return go

    def combined_ask(a: CombinedAsker) -> Callable[[str], tuple[list[Measure], str | None]]:
        def go(q: str) -> tuple[list[Measure], str | None]:
            ans = a.answer(q, limit=3)
            return [h.measure for h in ans.hits], (ans.hits[0].snippet if ans.hits else None)

        return go

    def model_ask(mdl: LearnedModel) -> Callable[[str], tuple[list[Measure], str | None]]:
        head = mdl.heads["question"]

        def go(q: str) -> tuple[list[Measure], str | None]:
            p = mdl.entry_probabilities(normalize(q), "question")
            order = np.argsort(-p, kind="stable")[:3]
            return [by_id[head.classes[int(i)]] for i in order], None

        return go

    def kinds_rules_model(mdl: LearnedModel) -> Callable[[str], str]:
        return lambda t: (
            str(classify_message(t, mdl.kind_probabilities).kind) if t.strip() else "vague"
        )

    def kinds_model(mdl: LearnedModel) -> Callable[[str], str]:
        def go(t: str) -> str:
            p = mdl.kind_probabilities(t) if normalize(t) else {"vague": 1.0}
            return max(p, key=lambda k: p[k])

        return go

    def kinds_rules(t: str) -> str:
        return str((rule_intent(t) or fallback_intent(t)).kind)

    measures = sys_.measures
    variants = [
        ("retrieval", retrieval(sys_.router), search_ask(sys_.searcher), kinds_rules),
        ("retrieval-nolex", retrieval(sys_.router_nolex), search_ask(sys_.searcher_nolex), None),
        ("retrieval-norefusal", retrieval(sys_.router_norules), None, None),
        ("model", alone(model), model_ask(model), kinds_model(model)),
        ("model-nolex", alone(model_nolex), model_ask(model_nolex), kinds_model(model_nolex)),
        (
            "combined",
            combined(CombinedRouter(sys_.router, model, measures)),
            combined_ask(CombinedAsker(sys_.searcher, model)),
            kinds_rules_model(model),
        ),
        (
            "combined-nolex",
            combined(CombinedRouter(sys_.router_nolex, model_nolex, measures)),
            combined_ask(CombinedAsker(sys_.searcher_nolex, model_nolex)),
            kinds_rules_model(model_nolex),
        ),
        (
            "combined-norules",
            combined(CombinedRouter(sys_.router_norules, model, measures, use_rules=False)),
            None,
            None,
        ),
    ]
    for name, route, ask, kind in variants:
        score(tally, name, items, sys_, route, ask, kind)


VARIANTS = (
    "retrieval",
    "retrieval-nolex",
    "retrieval-norefusal",
    "model",
    "model-nolex",
    "combined",
    "combined-nolex",
    "combined-norules",
)


def pct(n: float, d: float) -> str:
    return f"{100 * n / d:5.1f}" if d else "   - "


def report(title: str, tally: Tally) -> None:
    c = tally.c
    print(f"\n== {title} ==")
    print(
        f"{'variant':20} {'unit':>6} {'silent':>6} {'disp':>6} {'1330':>6} {'false':>5} "
        f"{'top1':>6} {'top3':>6} {'quote':>6} {'kind':>6}   (n: complaints/questions/kinds)"
    )
    for v in VARIANTS:
        if not any(k.startswith(v + "|") for k in c):
            continue
        g = lambda key, v=v: c.get(f"{v}|{key}", 0.0)  # noqa: E731
        print(
            f"{v:20} {pct(g('c.ok'), g('c.n')):>6} {pct(g('c.silent'), g('c.n')):>6} "
            f"{pct(g('c.disp'), g('c.n')):>6} {pct(g('f.ok'), g('f.n')):>6} "
            f"{int(g('f.false')):>5} {pct(g('q.top1'), g('q.n')):>6} "
            f"{pct(g('q.top3'), g('q.n')):>6} {pct(g('s.ok'), g('s.n')):>6} "
            f"{pct(g('k.ok'), g('k.n')):>6}   "
            f"({int(g('c.n'))}/{int(g('q.n'))}/{int(g('k.n'))})"
        )


def quotes(sys_: Systems, corpus: Corpus, cache: Path) -> None:
    from knowledge.learned.sentences import asks_for_number  # noqa: PLC0415
    from knowledge.search.snippet import choose_snippet  # noqa: PLC0415

    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, train, test in writer_folds(corpus)[:4]:
        model = cached_model(cache, name, train, FeatureConfig(), sys_.router)
        asker = CombinedAsker(sys_.searcher, model)
        for ex in test:
            if ex.kind != "question" or ex.entry is None or not ex.answer:
                continue
            measure = sys_.by_id[ex.entry]
            q = normalize(ex.text)
            weights = sys_.searcher.term_weights(q)
            plain, _ = choose_snippet(measure, sys_.searcher.sentences_of(measure), q, weights)
            learned, _ = asker.sentence(q, measure)
            groups = ["all", "number" if asks_for_number(q) else "other"]
            for variant, chosen in (("retrieval", plain), ("combined", learned)):
                for g in groups:
                    t = tally[f"{variant}|{g}"]
                    t[0] += _same_sentence(chosen, ex.answer)
                    t[1] += 1
    print("\n== quotes: the sentence chosen in the question's own entry (writer folds) ==")
    for variant in ("retrieval", "combined"):
        cells = []
        for g in ("all", "number", "other"):
            ok, n = tally[f"{variant}|{g}"]
            cells.append(f"{g} {pct(ok, n)} (n={n})")
        print(f"{variant:10} " + "   ".join(cells))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scheme", choices=("writer", "lines", "dev", "quotes"), action="append")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "yousu-ablation"
    )
    parser.add_argument(
        "--by-style", action="store_true", help="also split corpus figures by style"
    )
    args = parser.parse_args(argv)
    schemes = args.scheme or ["writer", "lines", "dev"]
    sys_ = Systems()
    corpus = load_corpus(entry_ids=sys_.by_id)
    for scheme in schemes:
        started = time.perf_counter()
        if scheme == "quotes":
            quotes(sys_, corpus, args.cache)
        elif scheme == "dev":
            model = cached_model(args.cache, "full", corpus, FeatureConfig(), sys_.router)
            nolex = cached_model(
                args.cache, "full", corpus, FeatureConfig(lexicon=False), sys_.router_nolex
            )
            sets = dev_items(sys_.router.aliases)
            total = Tally()
            for name, items in sets.items():
                tally = Tally()
                run_fold(tally, sys_, items, model, nolex)
                run_fold(total, sys_, items, model, nolex)
                report(f"dev: {name}", tally)
            report("dev: all sets pooled", total)
        else:
            folds = writer_folds(corpus) if scheme == "writer" else line_folds(corpus)
            total = Tally()
            styles: dict[str, Tally] = defaultdict(Tally)
            for name, train, test in folds:
                model = cached_model(args.cache, name, train, FeatureConfig(), sys_.router)
                nolex = cached_model(
                    args.cache, name, train, FeatureConfig(lexicon=False), sys_.router_nolex
                )
                items = corpus_items(test, sys_.by_id)
                run_fold(total, sys_, items, model, nolex)
                if args.by_style:
                    for style in sorted({i.source.split("/")[-1] for i in items}):
                        chosen = [i for i in items if i.source.split("/")[-1] == style]
                        run_fold(styles[style], sys_, chosen, model, nolex)
            report(f"{scheme} folds, pooled", total)
            for style, tally in sorted(styles.items()):
                report(f"{scheme} folds, style {style}", tally)
        print(f"({scheme}: {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
