"""Which sentence of a measure answers a question: the features of each candidate sentence
and a linear ranker over them, fitted on the questions whose writers named the answer.

Owns the choice of the quoted sentence once the measure is known. The features are what a
reader weighs: the question's weighted terms in the sentence (retrieval's score, scaled to the
measure's best), how close sentence and question are in the learned vectors, the answers of
the nearest labelled questions about the same measure (votes), how much of the question's
wording the sentence covers, a figure or a duration when a number or a time is asked for, a
sentence that only states a problem the assessment found, and the sentence's length and
place in the measure.

The ranker's weights come from a conditional logit (the answering sentence against the other
sentences of the same measure, fitted at ``yousu train``; ``fit_ranker``) and travel in the
model file (``combiner["sentence"]``). A model without them uses ``HAND_WEIGHTS``, the formula
chosen by hand before (``bench/spent_lobo.py`` compares the two: one writer left out, 86.1%
by hand, 88.6% fitted on 440 questions; on the 720 questions of 2026-12-08a-l, 86.7% by hand,
89.2% fitted, 89.4% with the ``title`` feature). Pure: numpy here, scipy only when fitting.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.search.snippet import (
    QUANTITY_WORDS,
    TIME_WORDS,
    has_duration,
    has_figure,
    is_problem_sentence,
)

FEATURES = (
    "lexical",  # retrieval's term score over the measure's best sentence
    "lexical_best",  # 1 for the measure's best sentence by retrieval
    "similarity",  # cosine of the learned vectors of question and sentence
    "votes",  # share of the nearest labelled questions' answers
    "nearest",  # similarity of the closest labelled question the sentence answers
    "coverage",  # share of the question's character pairs the sentence holds
    "figure_asked",  # a number asked for and the sentence states a figure
    "duration_asked",  # a time asked for and the sentence states a duration
    "problem",  # the sentence only states a problem the assessment found
    "length",  # log of the sentence's length
    "position",  # place in the measure, 0 (first) .. 1 (last)
    "title",  # the sentence only restates the measure's title (shown beside the quote anyway)
)
#: the hand-chosen formula (lexical + similarity + 0.5 votes + 0.5 for a figure when a number
#: is asked), in ``FEATURES`` order
HAND_WEIGHTS = (1.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0)
#: the fit's L2 penalty (per question: a light touch, the features are few)
RANKER_L2 = 0.01

_DROP = re.compile(r"[\s,.!?;:~，。！？；：、…～·\-—()（）\[\]【】\"'“”‘’俺咱啊呢吧呀嘛哩了的]+")


@functools.lru_cache(maxsize=4096)
def _bare(text: str) -> str:
    """``text`` without punctuation, spaces and particles (kept: a measure's sentences recur
    in every question about it)."""
    return _DROP.sub("", text)


@functools.lru_cache(maxsize=4096)
def _pairs(text: str) -> frozenset[str]:
    """The character pairs of ``text``."""
    bare = _bare(text)
    return frozenset(bare[i : i + 2] for i in range(len(bare) - 1))


def asks_for_number(question: str) -> bool:
    return any(w in question for w in QUANTITY_WORDS) or any(w in question for w in TIME_WORDS)


def asks_for_time(question: str) -> bool:
    return any(w in question for w in TIME_WORDS)


def features(
    question: str,
    sentences: Sequence[str],
    lexical: Sequence[float],
    similarity: Sequence[float],
    votes: Sequence[float],
    problems: frozenset[str],
    nearest: Sequence[float] | None = None,
    title: str = "",
) -> npt.NDArray[np.float64]:
    """One row of ``FEATURES`` per candidate sentence (``title``: the measure's title)."""
    closest = nearest if nearest is not None else [0.0] * len(sentences)
    top = max(lexical) or 1.0
    best = int(np.argmax(lexical)) if len(lexical) else -1
    number, time = asks_for_number(question), asks_for_time(question)
    asked = _pairs(question)
    held_by = [_pairs(sentence) & asked for sentence in sentences]
    last = max(1, len(sentences) - 1)
    bare_title = _bare(title)
    rows = np.zeros((len(sentences), len(FEATURES)), dtype=np.float64)
    for i, sentence in enumerate(sentences):
        held = held_by[i]
        rows[i] = (
            lexical[i] / top,
            1.0 if i == best else 0.0,
            similarity[i],
            votes[i],
            closest[i],
            len(held) / len(asked) if asked else 0.0,
            1.0 if number and has_figure(sentence) else 0.0,
            1.0 if time and has_duration(sentence) else 0.0,
            1.0 if sentence in problems or is_problem_sentence(sentence) else 0.0,
            math.log(len(sentence)) / 5,
            i / last,
            1.0 if bare_title and _bare(sentence) == bare_title else 0.0,
        )
    return rows


def weights_of(combiner: Mapping[str, Any]) -> npt.NDArray[np.float64]:
    """The fitted weights from a model's combiner, or the hand formula's when it has none
    (or they were fitted on other features)."""
    fitted = combiner.get("sentence")
    if isinstance(fitted, Mapping) and tuple(fitted.get("features", ())) == FEATURES:
        return np.asarray(fitted["weights"], dtype=np.float64)
    return np.asarray(HAND_WEIGHTS, dtype=np.float64)


def best(rows: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]) -> int:
    """The candidate with the highest score (the first on a tie)."""
    return int(np.argmax(rows @ weights))


def fit_ranker(
    samples: Sequence[tuple[npt.NDArray[np.float64], int]], l2: float = RANKER_L2
) -> dict[str, Any]:
    """Weights from ``samples`` (each: one question's candidate rows and the answer's index)
    maximising the likelihood that the answer wins the softmax over its measure's sentences
    (a conditional logit: the objective is the choice itself), with an L2 penalty; started
    from the hand formula, fitted by L-BFGS."""
    from scipy.optimize import minimize  # noqa: PLC0415 - training only

    usable = [(rows, truth) for rows, truth in samples if len(rows) >= 2]

    def loss(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        total, grad = l2 * float(w @ w), 2 * l2 * w
        for rows, truth in usable:
            z = rows @ w
            z -= z.max()
            p = np.exp(z)
            p /= p.sum()
            total -= float(np.log(p[truth] + 1e-12))
            grad -= rows[truth] - p @ rows
        return total / len(usable), grad / len(usable)

    start = np.asarray(HAND_WEIGHTS, dtype=np.float64)
    found = minimize(loss, start, jac=True, method="L-BFGS-B")
    return {
        "features": list(FEATURES),
        "weights": [round(float(w), 6) for w in found.x],
        "questions": len(usable),
    }
