"""Search over the plans' measures: normalisation, segmentation, lexicon, ranking, snippets."""

from knowledge.search.normalize import EmptyQuery, normalize, normalize_query
from knowledge.search.searcher import Answer, Hit, Searcher, SearchWeights

__all__ = [
    "Answer",
    "EmptyQuery",
    "Hit",
    "SearchWeights",
    "Searcher",
    "normalize",
    "normalize_query",
]
