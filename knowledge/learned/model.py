"""The trained model at answer time: plain numpy over the arrays of the model file.

Owns inference: a text's TF-IDF vector, each head's calibrated probabilities, the words that
pushed a head towards a class, the nearest corpus lines, and the similarity of two texts.
Built by ``train.train_model`` (then exported) or read from a file (``artefact``); never
imports scikit-learn.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.learned import artefact
from knowledge.learned.features import (
    LEXICON,
    WORD,
    Analyzer,
    FeatureConfig,
    FloatArray,
    IntArray,
    SparseVector,
    Vectorizer,
)
from knowledge.learned.train import TrainedModel, probabilities


@dataclass(frozen=True, slots=True)
class ExampleRef:
    """A corpus line kept in the model, for explanations."""

    text: str
    kind: str
    entry: str | None
    group: str
    style: str
    #: questions: the sentence of the entry that answers it (the writer's choice)
    answer: str | None = None


@dataclass(frozen=True, slots=True)
class Neighbour:
    example: ExampleRef
    similarity: float


@dataclass(frozen=True, slots=True)
class Head:
    name: str
    classes: tuple[str, ...]
    coef: FloatArray  # (features, classes)
    intercept: FloatArray
    platt: FloatArray
    binary: bool

    def decisions(self, vector: SparseVector) -> npt.NDArray[np.float64]:
        rows = self.coef[vector.indices]
        d = vector.values.astype(np.float64) @ rows.astype(np.float64) + self.intercept
        return np.asarray(d, dtype=np.float64)

    def probabilities(self, vector: SparseVector) -> FloatArray:
        """Calibrated probability per class (one value for a two-class head)."""
        out = probabilities(self.decisions(vector)[None, :], self.platt, self.binary)
        return np.asarray(out[0], dtype=np.float32)

    def contributions(
        self, vector: SparseVector, column: int, features: Sequence[str], top: int = 8
    ) -> list[tuple[str, float]]:
        """The features of the text that pushed most towards class ``column``."""
        weights = vector.values * self.coef[vector.indices, column]
        order = np.argsort(-weights, kind="stable")[:top]
        return [
            (features[int(vector.indices[i])], round(float(weights[i]), 4))
            for i in order
            if weights[i] > 0
        ]


def readable(feature: str) -> str:
    """A feature as a person reads it: 拉电, 词:拉电, 词典:用电报装."""
    if feature.startswith(WORD):
        return "词:" + feature[len(WORD) :]
    if feature.startswith(LEXICON):
        return "词典:" + feature[len(LEXICON) :]
    return feature


class LearnedModel:
    """Every head, the vectoriser and the kept examples of one model version."""

    def __init__(
        self,
        version: str,
        vectorizer: Vectorizer,
        heads: Mapping[str, Head],
        examples: Sequence[ExampleRef],
        example_csr: tuple[IntArray, IntArray, FloatArray],
        combiner: Mapping[str, Any] | None = None,
        seconds: float = 0.0,
    ) -> None:
        self.version = version
        self.vectorizer = vectorizer
        self.heads = dict(heads)
        self.examples = list(examples)
        self._indptr, self._indices, self._data = example_csr
        self._rows = np.repeat(np.arange(len(self.examples), dtype=np.int32), np.diff(self._indptr))
        self.combiner: dict[str, Any] = dict(combiner or {})
        #: training time when this process built it (0 when read from a file)
        self.seconds = seconds
        self._lock = threading.Lock()
        self._vector = functools.lru_cache(maxsize=256)(self.vectorizer.transform)

    @property
    def config(self) -> FeatureConfig:
        return self.vectorizer.analyzer.config

    # -- inference ------------------------------------------------------------------------

    def forget_vectors(self) -> None:
        """Drop the remembered vectors (benchmarks time a text as if new)."""
        with self._lock:
            self._vector.cache_clear()

    def vector(self, text: str) -> SparseVector:
        with self._lock:  # the LRU cache and jieba are shared by threads
            return self._vector(text)

    def probabilities(self, head: str, text: str) -> dict[str, float]:
        h = self.heads[head]
        p = h.probabilities(self.vector(text))
        return {c: float(v) for c, v in zip(h.classes, p, strict=True)}

    def entry_probabilities(self, text: str, head: str = "complaint") -> FloatArray:
        """Probability per entry, in ``self.heads[head].classes`` order."""
        return self.heads[head].probabilities(self.vector(text))

    def kind_probabilities(self, text: str) -> dict[str, float]:
        return self.probabilities("kind", text)

    def financing_probability(self, text: str) -> float:
        return float(self.heads["financing"].probabilities(self.vector(text))[0])

    def words_for(self, head: str, text: str, label: str, top: int = 8) -> list[tuple[str, float]]:
        """The text's features that pushed ``head`` most towards ``label``, readable: single
        characters and pieces of a word already listed are left out."""
        h = self.heads[head]
        column = 0 if h.binary else h.classes.index(label)
        found = h.contributions(self.vector(text), column, self.vectorizer.features, 6 * top)
        shown: list[tuple[str, float]] = []
        seen: list[str] = []
        for feature, weight in found:
            bare = feature.split(":", 1)[1] if feature.startswith((WORD, LEXICON)) else feature
            if len(bare) < 2 or any(bare in s or s in bare for s in seen):
                continue
            seen.append(bare)
            shown.append((readable(feature), weight))
            if len(shown) == top:
                break
        return shown

    def nearest(
        self, text: str, k: int = 3, *, kinds: Sequence[str] | None = None
    ) -> list[Neighbour]:
        """The ``k`` kept corpus lines most similar to ``text`` (cosine of TF-IDF vectors)."""
        if not len(self.vector(text).indices):
            return []
        sims = self.example_similarities(text)
        if kinds is not None:
            allowed = np.array([e.kind in kinds for e in self.examples], dtype=bool)
            sims = np.where(allowed, sims, -1.0)
        order = np.argsort(-sims, kind="stable")[:k]
        return [
            Neighbour(self.examples[int(i)], round(float(sims[i]), 3)) for i in order if sims[i] > 0
        ]

    def example_vector(self, row: int) -> SparseVector:
        """The kept corpus line ``row``'s vector (as stored: L2-normalised TF-IDF)."""
        start, end = int(self._indptr[row]), int(self._indptr[row + 1])
        return SparseVector(self._indices[start:end], self._data[start:end])

    def example_similarities(self, text: str) -> npt.NDArray[np.float64]:
        """The cosine of ``text`` and each kept corpus line, in ``self.examples`` order."""
        dense = self.vector(text).dense(self.vectorizer.size)
        return np.asarray(
            np.bincount(
                self._rows, weights=self._data * dense[self._indices], minlength=len(self.examples)
            ),
            dtype=np.float64,
        )

    def similarity(self, a: str, b: str) -> float:
        """How alike two texts are in their words, 0..1: the cosine of their TF-IDF vectors
        (character n-grams, jieba words and the lexicon's plan terms, so 拉电 and 接电 share
        电 and 用电报装). For repeats and hot topics (``bench/learned_similarity.py``)."""
        return round(min(1.0, max(0.0, self.vector(a).dot(self.vector(b)))), 4)

    def matter_similarity(self, a: str, b: str) -> float:
        """How alike two complaints are in the matter the model sees in them, 0..1: the
        cosine of their complaint-head entry distributions. High for two different problems
        under one measure: not a test for repeats on its own."""
        head = self.heads["complaint"]
        pa, pb = head.probabilities(self.vector(a)), head.probabilities(self.vector(b))
        denominator = float(np.linalg.norm(pa) * np.linalg.norm(pb)) or 1.0
        return round(float(np.dot(pa, pb)) / denominator, 4)

    # -- the file -------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        header: dict[str, Any] = {
            "config": self.config.as_dict(),
            "vocabulary": self.vectorizer.features,
            "heads": {
                name: {"classes": list(h.classes), "binary": h.binary}
                for name, h in sorted(self.heads.items())
            },
            "examples": [
                [e.text, e.kind, e.entry, e.group, e.style, e.answer] for e in self.examples
            ],
            "combiner": self.combiner,
        }
        arrays: dict[str, npt.NDArray[Any]] = {
            "idf": self.vectorizer.idf,
            "examples.indptr": self._indptr,
            "examples.indices": self._indices,
            "examples.data": self._data,
        }
        for name, h in self.heads.items():
            arrays[f"{name}.coef"] = h.coef
            arrays[f"{name}.intercept"] = h.intercept
            arrays[f"{name}.platt"] = h.platt
        return artefact.dumps(self.version, header, arrays)

    @classmethod
    def from_parts(
        cls, header: Mapping[str, Any], arrays: Mapping[str, npt.NDArray[Any]], analyzer: Analyzer
    ) -> LearnedModel:
        vectorizer = Vectorizer(analyzer, header["vocabulary"], arrays["idf"])
        heads = {
            name: Head(
                name,
                tuple(spec["classes"]),
                arrays[f"{name}.coef"],
                arrays[f"{name}.intercept"],
                arrays[f"{name}.platt"],
                bool(spec["binary"]),
            )
            for name, spec in header["heads"].items()
        }
        examples = [ExampleRef(*row) for row in header["examples"]]
        csr = (arrays["examples.indptr"], arrays["examples.indices"], arrays["examples.data"])
        return cls(str(header["version"]), vectorizer, heads, examples, csr, header["combiner"])

    @classmethod
    def from_trained(
        cls, trained: TrainedModel, version: str, combiner: Mapping[str, Any] | None = None
    ) -> LearnedModel:
        heads = {
            name: Head(name, h.classes, h.coef, h.intercept, h.platt, h.binary)
            for name, h in trained.heads.items()
        }
        examples = [
            ExampleRef(e.text, e.kind, e.entry, e.group, e.style, e.answer)
            for e in trained.examples
        ]
        csr = trained.vectorizer.transform_many([e.text for e in examples])
        return cls(
            version, trained.vectorizer, heads, examples, csr, combiner, seconds=trained.seconds
        )
