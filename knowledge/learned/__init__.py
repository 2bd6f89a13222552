"""The learned layer: a model trained on the labelled corpus (``knowledge/corpus``), used with
retrieval for routing and answers, for what a chat message means, and for how alike two
complaints are.

Importing this package is cheap (no numpy, no scikit-learn, no model): the model is loaded on
first use (``knowledge.brain.learned_model``), and built then if its file is absent.

- ``corpus``: the labelled examples; ``features``: what the model sees of a text;
- ``train``: the heads, fitted with scikit-learn; ``model``: answering with their arrays;
- ``artefact``: the versioned model file; ``build``: ``yousu train`` and loading at start;
- ``combine``: routing and answering with the model and retrieval together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def message_kind_probabilities(text: str) -> Mapping[str, float]:
    """The message-kind head's probability for each kind (``corpus.KINDS``); used by
    ``knowledge.intent`` after its rules. Empty when the learned layer is off."""
    from knowledge import brain  # noqa: PLC0415 - lazy: loads (or builds) the model

    model = brain.learned_model()
    if model is None:
        return {}
    return model.kind_probabilities(text)


def similarity(a: str, b: str) -> float:
    """How alike two complaints are in their words, 0..1 (the cosine of the model's TF-IDF
    vectors, ``model.LearnedModel.similarity``); rapidfuzz's ratio / 100 when the layer is
    off. Thresholds for repeats and hot topics: README, "Repeats and hot topics"."""
    from knowledge import brain  # noqa: PLC0415

    model = brain.learned_model()
    if model is None:
        from rapidfuzz import fuzz  # noqa: PLC0415

        return fuzz.ratio(a, b) / 100
    return model.similarity(a, b)


def model_similarity(a: str, b: str) -> float | None:
    """``similarity(a, b)`` by the learned model, or None when the layer is off (its scale
    differs from rapidfuzz's, so callers keep a threshold for each)."""
    from knowledge import brain  # noqa: PLC0415

    model = brain.learned_model()
    return None if model is None else model.similarity(a, b)


def similarities(text: str, others: Sequence[str]) -> list[float]:
    """``similarity(text, other)`` for each of ``others``, in order."""
    return [similarity(text, other) for other in others]
