"""Speed of the learned layer beside the design before it (run by hand; prints figures,
asserts nothing).

    python -m bench.learned_speed            # from the worktree root
    python -m bench.learned_speed --no-train # skip the training run (about 20-30 s)

Prints:
- p50/p99 per text after start, on the development and own sets: ``ask`` and ``route`` with
  retrieval alone (the design before) and combined with the model; the model's own share
  (vectorising and the heads);
- the same on a synthetic knowledge base of 10,000 measures (the 87 real ones plus recombined
  copies, as in ``bench/search_bench.py``): retrieval grows with the measures, the model does
  not (its classes are the labelled entries);
- start-up of ``python -m bot.cli ask 测试`` with the model file present, and with
  ``YOUSU_LEARNED=off``; reading the model file in-process;
- training time (``build_model``, as ``yousu train`` runs it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.search_bench import COMPLAINT_SETS, QUESTION_SETS, read_jsonl, synthetic
from knowledge import brain
from knowledge.learned import artefact
from knowledge.learned.build import build_model, load_model
from knowledge.learned.combine import CombinedAsker, CombinedRouter
from knowledge.learned.model import LearnedModel
from knowledge.routing import Router
from knowledge.search import Searcher, segment

ROOT = Path(__file__).resolve().parents[1]


def latency(
    fn: Callable[[str], object],
    texts: Sequence[str],
    rounds: int = 5,
    forget: Callable[[], None] | None = None,
) -> str:
    """p50/p99 of ``fn`` per text; ``forget`` (untimed, before each call) drops what the
    process remembers of a text it has seen (its parse, expansions, vector), so each call
    costs what a new text costs."""
    for text in texts:  # warm-up
        fn(text)
    samples = []
    for _ in range(rounds):
        for text in texts:
            if forget is not None:
                forget()
            t = time.perf_counter()
            fn(text)
            samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return f"p50 {statistics.median(samples):6.2f} ms   p99 {p99:6.2f} ms   (n={len(samples)})"


def forgetting(searcher: Searcher, model: LearnedModel) -> Callable[[], None]:
    """What makes the process forget the texts it has seen: the searcher's parses and the
    lexicon's expansions, the model's vectors."""

    def forget() -> None:
        searcher.forget_queries()
        model.forget_vectors()

    return forget


def startup(learned: bool, runs: int = 5) -> str:
    env = dict(os.environ)
    if not learned:
        env[brain.LEARNED_ENV] = "off"
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "ask", "测试"],
            cwd=ROOT,
            capture_output=True,
            check=False,
            env=env,
        )
        times.append(time.perf_counter() - t)
    return f"median {statistics.median(times):.2f} s (runs: {', '.join(f'{x:.2f}' for x in times)})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="speed of the learned layer")
    parser.add_argument("--no-train", action="store_true", help="skip the training run")
    args = parser.parse_args(argv)
    questions = [it["text"] for p in QUESTION_SETS.values() for it in read_jsonl(p)]
    complaints = [it["text"] for p in COMPLAINT_SETS.values() for it in read_jsonl(p)]
    brain.warm_up()
    model = brain.learned_model()
    if model is None:
        print(f"the learned layer is off ({brain.LEARNED_ENV}); nothing to compare")
        return 1
    searcher = brain.searcher()
    forget = forgetting(searcher, model)
    router = brain.retrieval_router()
    combined_router = brain.router()
    asker = brain.asker()
    assert isinstance(combined_router, CombinedRouter) and isinstance(asker, CombinedAsker)
    print(f"model {model.version[:16]}: {model.vectorizer.size} features")
    print("\n== Per text after start (87 entries) ==")
    print(f"ask    retrieval alone : {latency(searcher.answer, questions, forget=forget)}")
    print(f"ask    combined        : {latency(asker.answer, questions, forget=forget)}")
    print(f"route  retrieval alone : {latency(router.route, complaints, forget=forget)}")
    print(f"route  combined        : {latency(combined_router.route, complaints, forget=forget)}")
    head, kinds = model.heads["complaint"], model.heads["kind"]
    texts = questions + complaints
    transform = model.vectorizer.transform  # uncached: the vector is part of the cost
    print(
        "model  vector + complaint head: "
        f"{latency(lambda t: head.probabilities(transform(t)), complaints, forget=forget)}"
    )
    print(
        "model  vector + message kind  : "
        f"{latency(lambda t: kinds.probabilities(transform(t)), texts, forget=forget)}"
    )

    measures = list(searcher.measures)
    corpus = measures + synthetic(measures, 10_000 - len(measures))
    segment.load_whole_dictionary()
    t = time.perf_counter()
    big = Searcher(corpus)
    build = time.perf_counter() - t
    big_router = Router(big, aliases_of=router.aliases)
    big_asker = CombinedAsker(big, model)
    big_combined = CombinedRouter(big_router, model, corpus)
    big_options: dict[str, Any] = {"rounds": 2, "forget": forgetting(big, model)}
    print(f"\n== Per text after start (10,000 measures; index built in {build:.1f} s) ==")
    print(f"ask    retrieval alone : {latency(big.answer, questions, **big_options)}")
    print(f"ask    combined        : {latency(big_asker.answer, questions, **big_options)}")
    print(f"route  retrieval alone : {latency(big_router.route, complaints, **big_options)}")
    print(f"route  combined        : {latency(big_combined.route, complaints, **big_options)}")

    print("\n== Start-up ==")
    t = time.perf_counter()
    result = load_model(build_missing=False)
    loaded = time.perf_counter() - t
    if result is not None:
        size = result.path.stat().st_size / 1e6 if result.path else 0.0
        print(f"read the model file in-process: {loaded * 1000:.0f} ms ({size:.1f} MB)")
    print(f"python -m bot.cli ask 测试, learned : {startup(True)}")
    print(f"python -m bot.cli ask 测试, {brain.LEARNED_ENV}=off: {startup(False)}")

    if not args.no_train:
        print("\n== Training ==")
        t = time.perf_counter()
        built = build_model(version=artefact.model_version())
        seconds = time.perf_counter() - t
        same = result is not None and built.to_bytes() == result.model.to_bytes()
        print(f"build_model: {seconds:.1f} s; same bytes as the file on disk: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
