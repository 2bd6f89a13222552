"""A small, correct Okapi BM25 index with an inverted file in numpy arrays.

Owns the vocabulary (term -> id), term statistics and scoring. Documents arrive as parallel
arrays (document id, term id, term frequency), so building a 10,000-measure index is a few
vectorised passes instead of millions of dictionary updates. Per-posting weights are
computed once at build time (idf x saturated tf), so a query costs one vectorised add per
query term over that term's postings only (``rank_bm25`` walks every document for every term
in Python, which is too slow at 10,000 measures).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Vocabulary:
    """Term ids shared by the indexes of one searcher; encodes bags of words as arrays."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._encoded: dict[int, tuple[Counter[str], IntArray, FloatArray]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def encode(self, bag: Counter[str]) -> tuple[IntArray, FloatArray]:
        """Term ids and frequencies of a bag (memoised per bag object)."""
        cached = self._encoded.get(id(bag))
        if cached is not None and cached[0] is bag:
            return cached[1], cached[2]
        ids = np.fromiter(
            (self.ids.setdefault(t, len(self.ids)) for t in bag), dtype=np.int64, count=len(bag)
        )
        tfs = np.fromiter(bag.values(), dtype=np.float64, count=len(bag))
        # the bag itself is kept so its id() cannot be reused by another object
        self._encoded[id(bag)] = (bag, ids, tfs)
        return ids, tfs


def concat(parts: Sequence[tuple[IntArray, FloatArray]]) -> tuple[IntArray, FloatArray, IntArray]:
    """Concatenate encoded bags: (term ids, tfs, document id of each posting)."""
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0, dtype=np.float64), empty
    lengths = np.fromiter((len(p[0]) for p in parts), dtype=np.int64, count=len(parts))
    terms = np.concatenate([p[0] for p in parts])
    tfs = np.concatenate([p[1] for p in parts])
    docs = np.repeat(np.arange(len(parts), dtype=np.int64), lengths)
    return terms, tfs, docs


def merge_duplicates(
    docs: IntArray, terms: IntArray, tfs: FloatArray, vocab_size: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Sum the frequencies of repeated (document, term) pairs."""
    keys = docs * max(vocab_size, 1) + terms
    unique, inverse = np.unique(keys, return_inverse=True)
    summed = np.bincount(inverse, weights=tfs).astype(np.float64)
    width = max(vocab_size, 1)
    doc_ids: IntArray = (unique // width).astype(np.int64)
    term_ids: IntArray = (unique % width).astype(np.int64)
    return doc_ids, term_ids, summed


class Bm25Index:
    """BM25 over ``size`` documents given as postings (doc id, term id, tf); no duplicates."""

    def __init__(
        self,
        vocab: Vocabulary,
        size: int,
        docs: IntArray,
        terms: IntArray,
        tfs: FloatArray,
        *,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        self.vocab = vocab
        self.size = size
        n_terms = len(vocab)
        lengths = np.bincount(docs, weights=tfs, minlength=size)
        avgdl = float(lengths.mean()) if size else 1.0
        norm = k1 * (1 - b + b * lengths / (avgdl or 1.0))
        df = np.bincount(terms, minlength=n_terms).astype(np.float64)
        # BM25+ style floor: idf stays positive even for terms in most documents.
        self._idf = np.log1p((size - df + 0.5) / (df + 0.5))
        self._df = df
        weights = tfs * (k1 + 1) / (tfs + norm[docs]) * self._idf[terms]
        # stable sort by term; 16-bit keys let numpy use a linear-time radix sort
        keys = terms.astype(np.uint16) if n_terms < 2**16 else terms
        order = np.argsort(keys, kind="stable")
        self._docs = docs[order]
        self._weights = weights[order]
        self._starts = np.searchsorted(terms[order], np.arange(n_terms + 1))
        self.max_idf = float(np.log1p((size + 0.5) / 0.5)) if size else 1.0

    def _slice(self, term: str) -> tuple[IntArray, FloatArray] | None:
        tid = self.vocab.ids.get(term)
        if tid is None or tid + 1 >= len(self._starts):
            return None
        lo, hi = int(self._starts[tid]), int(self._starts[tid + 1])
        if lo == hi:
            return None
        return self._docs[lo:hi], self._weights[lo:hi]

    def idf(self, term: str) -> float | None:
        """The term's idf, or None when no document of this index uses it."""
        tid = self.vocab.ids.get(term)
        if tid is None or tid >= len(self._df) or self._df[tid] == 0:
            return None
        return float(self._idf[tid])

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.idf(term) is not None

    def scores(self, query: Mapping[str, float]) -> FloatArray:
        """BM25 score of every document for a weighted bag of query terms."""
        out = np.zeros(self.size, dtype=np.float64)
        for term, weight in query.items():
            posting = self._slice(term)
            if posting is not None:
                out[posting[0]] += posting[1] * weight
        return out

    def presence(self, term: str) -> BoolArray:
        """Which documents contain ``term``."""
        out = np.zeros(self.size, dtype=np.bool_)
        posting = self._slice(term)
        if posting is not None:
            out[posting[0]] = True
        return out
