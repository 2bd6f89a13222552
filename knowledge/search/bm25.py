"""A small, correct Okapi BM25 index with an inverted file in numpy arrays.

Owns term statistics and scoring. Per-term weights are computed once at build time
(idf x saturated tf), so a query costs one vectorised add per query term over that term's
postings only; this keeps a 10,000-measure corpus well under the latency goal, where
``rank_bm25`` walks every document for every term in Python.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Bm25Index:
    """BM25 over bags of tokens; documents are numbered 0..n-1 in the given order."""

    def __init__(self, docs: Sequence[Counter[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(docs)
        lengths = [sum(doc.values()) for doc in docs]
        avgdl = (sum(lengths) / self.size) if self.size else 1.0
        avgdl = avgdl or 1.0
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for i, doc in enumerate(docs):
            norm = k1 * (1 - b + b * lengths[i] / avgdl)
            for term, tf in doc.items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf * (k1 + 1) / (tf + norm))
        self._idf: dict[str, float] = {}
        self._postings: dict[str, tuple[IntArray, FloatArray]] = {}
        for term, (ids, tfs) in postings.items():
            df = len(ids)
            # BM25+ style floor: idf stays positive even for terms in most documents.
            idf = math.log(1 + (self.size - df + 0.5) / (df + 0.5))
            self._idf[term] = idf
            self._postings[term] = (
                np.asarray(ids, dtype=np.int64),
                np.asarray(tfs, dtype=np.float64) * idf,
            )
        self.max_idf = math.log(1 + (self.size + 0.5) / 0.5) if self.size else 1.0

    def idf(self, term: str) -> float | None:
        """The term's idf, or None when the corpus never uses it."""
        return self._idf.get(term)

    def __contains__(self, term: object) -> bool:
        return term in self._idf

    def scores(self, query: Mapping[str, float]) -> FloatArray:
        """BM25 score of every document for a weighted bag of query terms."""
        out = np.zeros(self.size, dtype=np.float64)
        for term, weight in query.items():
            posting = self._postings.get(term)
            if posting is not None:
                ids, weights = posting
                out[ids] += weights * weight
        return out
