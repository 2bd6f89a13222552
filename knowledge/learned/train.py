"""Training the learned layer with scikit-learn (``yousu train``; first use when absent).

Owns the heads and how they are fitted. One vocabulary (``features``) serves every head:

- ``complaint``: which entry (measure or indicator) a complaint is about; trained on the
  corpus's complaints, its questions (weighted lower) and the plan's own sentences;
- ``question``: the same for policy questions (questions weighted fully, complaints lower);
- ``kind``: what a chat message is (``corpus.KINDS``): complaints and questions from the entries
  files, the other kinds from ``messages.jsonl``; classes weighted to balance their sizes;
- ``financing``: whether a complaint asks for a loan or other financing (the 1330 policy);
- ``unit`` (``UNIT_HEAD``): which unit handles a complaint's matter, to choose among the lead
  units of a measure that names several (the plan does not say which of them takes what):
  trained on the corpus complaints about entries with one lead unit (the unit is then
  certain) and the spent complaints' accepted units (each counting ``1 / len(units)``). With
  the spent batches through 2026-12-07t it routed worse than the plan's first lead unit (one
  writer left out, 18 silent errors in 960 against 14) and was not shipped; with those
  through 2026-12-08p it routes better on the 960 complaints of 2026-12-08a-p (935 right and 6
  silent against 930 and 9; ``python -m bench.spent_lobo --complaints``), never worse on one
  of the 16 batches, so it is shipped.

Each head is a linear SVM (liblinear, one-vs-rest, fixed ``random_state``) calibrated by Platt
scaling on out-of-fold decision values (4 stratified folds, fixed seed): one sigmoid shared by
all classes, then normalised over the classes. The out-of-fold probabilities of the complaint
head are kept for fitting the router's confidence (``knowledge.learned.combine``). Everything
is deterministic: the same corpus, data and code give the same arrays.

scikit-learn is imported only here; answering uses the exported arrays (``model``).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from knowledge.learned.corpus import KINDS, Corpus, Example, plan_examples
from knowledge.learned.features import Analyzer, FeatureConfig, FloatArray, Vectorizer
from knowledge.model import Measure

log = logging.getLogger(__name__)

SEED = 0
FOLDS = 4
#: the SVM's regularisation (larger: fits the corpus more closely)
SVM_C = 0.5
#: how much the other kind of example counts in an entry head (a question about an entry
#: still says which entry a complaint is about, but in other words)
OTHER_KIND_WEIGHT = 0.5
PLAN_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class HeadSpec:
    name: str
    #: the examples and their labels and weights
    examples: Callable[
        [Corpus, Sequence[Example], Sequence[Measure]], list[tuple[Example, str, float]]
    ]
    balanced: bool = False
    binary_positive: str | None = None  # a two-class head: the label whose probability is kept
    #: fit the Platt scaling on out-of-fold decisions (4 more fits); a head read only for its
    #: ranking (the unit head: the likeliest of a measure's lead units) does without
    calibrated: bool = True


@dataclass(slots=True)
class TrainedHead:
    name: str
    classes: tuple[str, ...]
    #: (features, classes) float32: feature i's weight for each class (one column if binary)
    coef: FloatArray
    intercept: FloatArray
    #: Platt scaling: p = 1 / (1 + exp(-(a * d + b))), then normalised over the classes
    platt: FloatArray
    binary: bool
    #: out-of-fold probabilities for the head's training examples (not exported)
    oof: FloatArray | None = None
    oof_examples: list[Example] = field(default_factory=list)


def _entry_examples(
    own: str,
) -> Callable[[Corpus, Sequence[Example], Sequence[Measure]], list[tuple[Example, str, float]]]:
    def examples(
        corpus: Corpus, plan: Sequence[Example], _measures: Sequence[Measure]
    ) -> list[tuple[Example, str, float]]:
        out: list[tuple[Example, str, float]] = []
        for ex in corpus.entries:
            assert ex.entry is not None
            out.append((ex, ex.entry, 1.0 if ex.kind == own else OTHER_KIND_WEIGHT))
        for ex in plan:
            assert ex.entry is not None
            out.append((ex, ex.entry, PLAN_WEIGHT))
        return out

    return examples


def _kind_examples(
    corpus: Corpus, _plan: Sequence[Example], _measures: Sequence[Measure]
) -> list[tuple[Example, str, float]]:
    return [(ex, ex.kind, 1.0) for ex in corpus.all]


def _financing_examples(
    corpus: Corpus, _plan: Sequence[Example], _measures: Sequence[Measure]
) -> list[tuple[Example, str, float]]:
    return [(ex, ex.sla, 1.0) for ex in corpus.complaints if ex.sla is not None]


def _unit_examples(
    corpus: Corpus, plan: Sequence[Example], measures: Sequence[Measure]
) -> list[tuple[Example, str, float]]:
    """Complaints (and, weighted lower, the plan's sentences) with the unit that handles
    them: the lead unit of an entry that has one; a spent complaint's accepted units."""
    sole = {m.id: m.lead_units[0] for m in measures if len(m.lead_units) == 1}
    out: list[tuple[Example, str, float]] = []
    for ex in corpus.all:
        if ex.kind != "complaint":
            continue
        if ex.units:
            out.extend((ex, unit, 1.0 / len(ex.units)) for unit in ex.units)
        elif ex.entry in sole:
            out.append((ex, sole[ex.entry], 1.0))
    out.extend((ex, sole[ex.entry], PLAN_WEIGHT) for ex in plan if ex.entry in sole)
    return out


UNIT_HEAD = HeadSpec("unit", _unit_examples, calibrated=False)
HEADS = (
    HeadSpec("complaint", _entry_examples("complaint")),
    HeadSpec("question", _entry_examples("question")),
    HeadSpec("kind", _kind_examples, balanced=True),
    HeadSpec("financing", _financing_examples, binary_positive="1330"),
    UNIT_HEAD,
)


def _csr(vectorizer: Vectorizer, texts: Sequence[str]) -> object:
    import scipy.sparse as sp  # noqa: PLC0415 - training only

    indptr, indices, data = vectorizer.transform_many(texts)
    return sp.csr_matrix((data, indices, indptr), shape=(len(texts), vectorizer.size))


def _svm(balanced: bool) -> object:
    from sklearn.svm import LinearSVC  # noqa: PLC0415 - training only

    return LinearSVC(
        C=SVM_C,
        class_weight="balanced" if balanced else None,
        random_state=SEED,
        max_iter=5000,
        dual=True,
    )


def _decision(model: object, x: object) -> npt.NDArray[np.float64]:
    d = np.asarray(model.decision_function(x), dtype=np.float64)  # type: ignore[attr-defined]
    return d[:, None] if d.ndim == 1 else d


def _platt(decisions: npt.NDArray[np.float64], truth: npt.NDArray[np.bool_]) -> FloatArray:
    """One sigmoid for every class: (a, b) of p = 1 / (1 + exp(-(a d + b)))."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - training only

    fit = LogisticRegression(C=1e4, max_iter=1000).fit(decisions.reshape(-1, 1), truth.ravel())
    return np.array([fit.coef_[0][0], fit.intercept_[0]], dtype=np.float32)


def probabilities(
    decisions: npt.NDArray[np.float64], platt: FloatArray, binary: bool
) -> FloatArray:
    """Calibrated probabilities from decision values (rows: texts); the same formula as
    ``model.Head.probabilities``."""
    p: npt.NDArray[np.float64] = 1.0 / (
        1.0 + np.exp(-(float(platt[0]) * decisions + float(platt[1])))
    )
    if binary:
        return np.asarray(p, dtype=np.float32)
    total = p.sum(axis=1, keepdims=True)
    total[total == 0] = 1.0
    return np.asarray(p / total, dtype=np.float32)


def fit_head(
    spec: HeadSpec,
    rows: list[tuple[Example, str, float]],
    x: object,
    classes: Sequence[str] | None = None,
) -> TrainedHead:
    """Fit one head on the rows' vectors ``x`` (a CSR matrix, in the rows' order)."""
    labels = np.array([label for _ex, label, _w in rows])
    weights = np.array([w for _ex, _l, w in rows], dtype=np.float64)
    binary = spec.binary_positive is not None
    if binary:
        target = (labels == spec.binary_positive).astype(np.int64)
        names: tuple[str, ...] = (str(spec.binary_positive),)
    else:
        names = tuple(classes) if classes is not None else tuple(sorted(set(labels)))
        position = {c: i for i, c in enumerate(names)}
        target = np.array([position[label] for label in labels], dtype=np.int64)
    width = 1 if binary else len(names)
    oof: npt.NDArray[np.float64] | None = None
    platt = np.array([1.0, 0.0], dtype=np.float32)  # the decision value's own sigmoid
    if spec.calibrated:
        oof = _out_of_fold(spec, x, target, weights, width)
        truth = (
            target[:, None].astype(bool)
            if binary
            else (target[:, None] == np.arange(width)[None, :])
        )
        platt = _platt(oof, truth)
    model = _svm(spec.balanced)
    model.fit(x, target, sample_weight=weights)  # type: ignore[attr-defined]
    coef = np.asarray(model.coef_, dtype=np.float64)  # type: ignore[attr-defined]
    intercept = np.asarray(model.intercept_, dtype=np.float64)  # type: ignore[attr-defined]
    if not binary:
        coef, intercept = _align_coef(coef, intercept, model, width)
    return TrainedHead(
        name=spec.name,
        classes=names,
        coef=np.ascontiguousarray(coef.T, dtype=np.float32),
        intercept=intercept.astype(np.float32),
        platt=platt,
        binary=binary,
        oof=probabilities(oof, platt, binary) if oof is not None else None,
        oof_examples=[ex for ex, _l, _w in rows] if oof is not None else [],
    )


def _out_of_fold(
    spec: HeadSpec,
    x: object,
    target: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    width: int,
) -> npt.NDArray[np.float64]:
    """Each row's decision values from the fold that did not train on it (4 stratified
    folds, fixed seed)."""
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415 - training only

    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    oof = np.zeros((len(target), width), dtype=np.float64)
    with warnings.catch_warnings():
        # an entry known only by its few plan sentences (when evaluation holds its corpus
        # lines out) has fewer members than folds; the split still covers it
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splits = list(folds.split(np.zeros(len(target)), target))
    for train, test in splits:
        model = _svm(spec.balanced)
        model.fit(x[train], target[train], sample_weight=weights[train])  # type: ignore[attr-defined,index]
        decisions = _decision(model, x[test])  # type: ignore[index]
        binary = spec.binary_positive is not None
        oof[test] = decisions if binary else _align(decisions, model, width)
    return oof


def _align(
    decisions: npt.NDArray[np.float64], model: object, width: int
) -> npt.NDArray[np.float64]:
    """Decision values in class order 0..width-1 (a fold may lack no class: stratified)."""
    seen = np.asarray(model.classes_)  # type: ignore[attr-defined]
    if decisions.shape[1] == width and np.array_equal(seen, np.arange(width)):
        return decisions
    out = np.full((decisions.shape[0], width), -10.0)
    out[:, seen] = decisions
    return out


def _align_coef(
    coef: npt.NDArray[np.float64], intercept: npt.NDArray[np.float64], model: object, width: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    seen = np.asarray(model.classes_)  # type: ignore[attr-defined]
    if np.array_equal(seen, np.arange(width)):
        return coef, intercept
    full = np.zeros((width, coef.shape[1]))
    bias = np.full(width, -10.0)
    full[seen] = coef
    bias[seen] = intercept
    return full, bias


@dataclass(slots=True)
class TrainedModel:
    config: FeatureConfig
    vectorizer: Vectorizer
    heads: dict[str, TrainedHead]
    #: the examples whose vectors are kept for nearest-example explanations and similarity
    examples: list[Example]
    seconds: float = 0.0


def train_model(
    corpus: Corpus,
    measures: Sequence[Measure],
    analyzer: Analyzer,
    heads: Sequence[HeadSpec] = HEADS,
) -> TrainedModel:
    """Fit every head; deterministic for the same inputs."""
    started = time.perf_counter()
    plan = plan_examples(measures)
    entry_ids = tuple(sorted(m.id for m in measures))
    texts = [ex.text for ex in (*corpus.all, *plan)]
    vectorizer = Vectorizer.fit(analyzer, texts)
    rows_of = {spec.name: spec.examples(corpus, plan, measures) for spec in heads}
    # vectorise each distinct text once
    distinct = list(dict.fromkeys(ex.text for rows in rows_of.values() for ex, _l, _w in rows))
    matrix = _csr(vectorizer, distinct)
    where = {text: i for i, text in enumerate(distinct)}
    trained: dict[str, TrainedHead] = {}
    for spec in heads:
        rows = rows_of[spec.name]
        x = matrix[[where[ex.text] for ex, _l, _w in rows]]  # type: ignore[index]
        classes = (
            entry_ids
            if spec.name in ("complaint", "question")
            else (KINDS if spec.name == "kind" else None)
        )
        t = time.perf_counter()
        trained[spec.name] = fit_head(spec, rows, x, classes)
        log.info("head %s: %.1f s", spec.name, time.perf_counter() - t)
    examples = [*corpus.all]
    return TrainedModel(
        analyzer.config, vectorizer, trained, examples, time.perf_counter() - started
    )
