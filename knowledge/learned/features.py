"""What the learned layer sees of a text: character n-grams, jieba words and lexicon terms,
weighted by TF-IDF.

Owns the analyser (text -> feature strings) and the vectoriser (feature strings -> a sparse
L2-normalised TF-IDF vector over a fixed vocabulary). Both run in plain numpy, so answering
needs no scikit-learn; training builds the vocabulary here and hands scikit-learn a matrix.

Feature strings:

- character n-grams (1..3) of each run of CJK letters, digits and Latin letters (an n-gram
  never spans punctuation): they carry owners' words whatever the segmenter does with them;
- ``w:`` + each word of jieba's precise cut, with the plans' terms and the lexicon's terms
  taught to the segmenter first (as search does);
- ``L:`` + each plan term the colloquial lexicon adds for the text (拉电 -> 用电报装): the hand
  lexicon as features, so the model can weigh it (``lexicon=False`` turns it off).
"""

from __future__ import annotations

import contextlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.search.lexicon import Lexicon
from knowledge.search.normalize import normalize

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]

_RUN = re.compile(r"[\u3400-\u9fff0-9a-z]+")
#: the longest text analysed (a complaint, not a pasted document)
MAX_CHARS = 1000
WORD = "w:"
LEXICON = "L:"


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which features are used; part of the model (and of its version)."""

    min_n: int = 1
    max_n: int = 3
    words: bool = True
    lexicon: bool = True
    #: a feature must occur in at least this many training texts
    min_df: int = 2

    def as_dict(self) -> dict[str, object]:
        return {
            "min_n": self.min_n,
            "max_n": self.max_n,
            "words": self.words,
            "lexicon": self.lexicon,
            "min_df": self.min_df,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> FeatureConfig:
        return cls(
            min_n=int(str(raw["min_n"])),
            max_n=int(str(raw["max_n"])),
            words=bool(raw["words"]),
            lexicon=bool(raw["lexicon"]),
            min_df=int(str(raw["min_df"])),
        )


class Analyzer:
    """Text -> feature strings (with repeats: the counts are term frequencies)."""

    def __init__(self, config: FeatureConfig, lexicon: Lexicon | None = None) -> None:
        self.config = config
        self.lexicon = lexicon if config.lexicon else None
        self._memo: dict[str, list[str]] | None = None
        self._cut = None
        if config.words:
            from knowledge.search import segment  # noqa: PLC0415 - jieba only when words are on

            self._cut = segment.cut_words

    @contextlib.contextmanager
    def remembering(self) -> Iterator[None]:
        """Within the block each text is analysed once (training reads every text three
        times: the vocabulary, the heads' matrix, the kept examples, and calibrating reads
        the complaints and questions again; segmentation and the lexicon dominate its time);
        the memory is dropped after the outermost block. Texts are remembered by their
        normalised form, so a caller's cleaned copy of a text finds it too."""
        if self._memo is not None:  # an outer block remembers already
            yield
            return
        self._memo = {}
        try:
            yield
        finally:
            self._memo = None

    def __call__(self, text: str) -> list[str]:
        clean = normalize(text, max_chars=MAX_CHARS)
        memo = self._memo
        if memo is not None:
            found = memo.get(clean)
            if found is None:
                found = memo[clean] = self._analyse(clean)
            return found
        return self._analyse(clean)

    def _analyse(self, clean: str) -> list[str]:
        """The features of an already normalised text."""
        out: list[str] = []
        lo, hi = self.config.min_n, self.config.max_n
        for run in _RUN.findall(clean):
            size = len(run)
            for n in range(lo, min(hi, size) + 1):
                out.extend(run[i : i + n] for i in range(size - n + 1))
        if self._cut is not None:
            out.extend(WORD + w for w in self._cut(clean))
        if self.lexicon is not None:
            for expansion in self.lexicon.expand(clean):
                out.extend(LEXICON + term for term in expansion.plan_terms)
        return out


@dataclass(frozen=True, slots=True)
class SparseVector:
    """One L2-normalised TF-IDF vector: sorted feature indices and their weights."""

    indices: IntArray
    values: FloatArray

    def dense(self, size: int) -> FloatArray:
        out = np.zeros(size, dtype=np.float32)
        out[self.indices] = self.values
        return out

    def dot(self, other: SparseVector) -> float:
        common, mine, theirs = np.intersect1d(
            self.indices, other.indices, assume_unique=True, return_indices=True
        )
        if not len(common):
            return 0.0
        return float(np.dot(self.values[mine], other.values[theirs]))


@dataclass(frozen=True, slots=True)
class SparseRows:
    """Several vectors stacked, to take their dot products with one vector in a single pass
    (the sentences of a measure, the labelled questions about it)."""

    rows: IntArray  # the row of each stored value
    indices: IntArray
    values: FloatArray
    count: int

    @classmethod
    def of(cls, vectors: Sequence[SparseVector]) -> SparseRows:
        if not vectors:
            empty = np.zeros(0, dtype=np.int32)
            return cls(empty, empty, np.zeros(0, dtype=np.float32), 0)
        return cls(
            np.repeat(np.arange(len(vectors), dtype=np.int32), [len(v.indices) for v in vectors]),
            np.concatenate([v.indices for v in vectors]),
            np.concatenate([v.values for v in vectors]),
            len(vectors),
        )

    def dot(self, vector: SparseVector) -> npt.NDArray[np.float64]:
        """Each row's dot product with ``vector`` (whose indices are sorted)."""
        if not len(vector.indices) or not self.count:
            return np.zeros(self.count, dtype=np.float64)
        at = np.minimum(np.searchsorted(vector.indices, self.indices), len(vector.indices) - 1)
        hit = vector.indices[at] == self.indices
        weights = np.where(hit, vector.values[at] * self.values, 0.0).astype(np.float64)
        return np.asarray(
            np.bincount(self.rows, weights=weights, minlength=self.count), dtype=np.float64
        )


class Vectorizer:
    """Feature strings -> TF-IDF vectors: sublinear term frequency (1 + ln tf), smoothed idf
    (ln((1 + n) / (1 + df)) + 1), L2 norm; features outside the vocabulary are dropped."""

    def __init__(self, analyzer: Analyzer, vocabulary: Sequence[str], idf: FloatArray) -> None:
        self.analyzer = analyzer
        self.features = list(vocabulary)
        self.index = {f: i for i, f in enumerate(self.features)}
        self.idf = idf

    @property
    def size(self) -> int:
        return len(self.features)

    @classmethod
    def fit(cls, analyzer: Analyzer, texts: Iterable[str]) -> Vectorizer:
        """The vocabulary (sorted) and idf of ``texts``."""
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            df.update(set(analyzer(text)))
            n += 1
        vocabulary = sorted(f for f, c in df.items() if c >= analyzer.config.min_df)
        idf = np.array([math.log((1 + n) / (1 + df[f])) + 1 for f in vocabulary], dtype=np.float32)
        return cls(analyzer, vocabulary, idf)

    def transform(self, text: str) -> SparseVector:
        counts: Counter[int] = Counter()
        index = self.index
        for feature in self.analyzer(text):
            i = index.get(feature)
            if i is not None:
                counts[i] += 1
        if not counts:
            return SparseVector(np.zeros(0, np.int32), np.zeros(0, np.float32))
        indices = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
        tf = np.fromiter((counts[int(i)] for i in indices), dtype=np.float32, count=len(indices))
        values = (1.0 + np.log(tf)) * self.idf[indices]
        norm = float(np.sqrt(np.dot(values, values)))
        return SparseVector(indices, (values / norm).astype(np.float32))

    def transform_many(self, texts: Sequence[str]) -> tuple[IntArray, IntArray, FloatArray]:
        """CSR arrays (indptr, indices, data) of the vectors of ``texts``."""
        vectors = [self.transform(t) for t in texts]
        indptr = np.zeros(len(vectors) + 1, dtype=np.int32)
        indptr[1:] = np.cumsum([len(v.indices) for v in vectors])
        indices = np.concatenate([v.indices for v in vectors]) if vectors else np.zeros(0, np.int32)
        data = np.concatenate([v.values for v in vectors]) if vectors else np.zeros(0, np.float32)
        return indptr, indices.astype(np.int32), data.astype(np.float32)
