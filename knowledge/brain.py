"""The searcher, router and learned model built from the shipped knowledge base, once per
process.

Owns the wiring between the knowledge base (``knowledge.base``, imported lazily so commands
that do not search start fast), search/routing and the learned layer (``knowledge.learned``):
``router()`` and ``asker()`` combine the trained model with retrieval; ``retrieval_router()``
and ``searcher()`` are retrieval alone. The model is read from its file at first use, or built
then when absent (``knowledge.learned.build``). ``YOUSU_LEARNED=off`` turns the learned layer
off (retrieval alone, as before it existed); so does ``use_measures``, which lets tests and
tools put a different list of measures in place (the model knows only the shipped entries).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from knowledge.model import Measure
from knowledge.routing.router import RouteDecision, Router
from knowledge.search.searcher import Answer, Searcher

if TYPE_CHECKING:
    from knowledge.learned.model import LearnedModel

log = logging.getLogger(__name__)

#: set to off / 0 / false / no to answer and route with retrieval alone
LEARNED_ENV = "YOUSU_LEARNED"


class Routes(Protocol):
    """What routing offers (``Router`` alone, or combined with the learned model)."""

    def route(self, text: str) -> RouteDecision: ...

    def aliases(self, unit: str) -> tuple[str, ...]: ...


class Answers(Protocol):
    """What answering offers (``Searcher`` alone, or combined with the learned model)."""

    def answer(self, question: str, limit: int = 5, *, snippets: bool = True) -> Answer: ...


_LOCK = threading.Lock()
_MODEL_LOCK = threading.Lock()
_SEARCHER: Searcher | None = None
_ROUTER: Router | None = None
_COMBINED: tuple[Routes, Answers] | None = None
_MODEL: LearnedModel | None = None
_MODEL_TRIED = False
_ALIASES: Callable[[str], Iterable[str]] | None = None
_OVERRIDE: tuple[list[Measure], Callable[[str], Iterable[str]] | None] | None = None


def use_measures(
    measures: Sequence[Measure] | None,
    aliases_of: Callable[[str], Iterable[str]] | None = None,
) -> None:
    """Search these measures instead of the shipped knowledge base (None restores it)."""
    global _SEARCHER, _ROUTER, _OVERRIDE, _COMBINED  # noqa: PLW0603 - process-wide cache
    with _LOCK:
        _OVERRIDE = None if measures is None else (list(measures), aliases_of)
        _SEARCHER = None
        _ROUTER = None
        _COMBINED = None


def _load() -> tuple[list[Measure], list[str], Callable[[str], Iterable[str]] | None]:
    if _OVERRIDE is not None:
        return _OVERRIDE[0], [], _OVERRIDE[1]
    from knowledge.base import load_knowledge_base  # noqa: PLC0415 - lazy: reads JSON

    kb = load_knowledge_base()
    names: list[str] = []
    for unit in kb.units.all_units():
        names.append(unit.name)
        names.extend(unit.aliases)
    return list(kb.measures), names, kb.units.aliases_of


def searcher() -> Searcher:
    """The process-wide searcher over the knowledge base's measures."""
    global _SEARCHER, _ALIASES  # noqa: PLW0603 - process-wide cache by design
    with _LOCK:
        if _SEARCHER is None:
            measures, unit_names, _ALIASES = _load()
            # the shipped plans' segmentation is cached on disk: `yousu ask` starts faster
            _SEARCHER = Searcher(measures, unit_names=unit_names, cached=_OVERRIDE is None)
        return _SEARCHER


def retrieval_router() -> Router:
    """The process-wide router by retrieval and unit cues alone (shares the searcher)."""
    global _ROUTER  # noqa: PLW0603 - process-wide cache by design
    search = searcher()
    with _LOCK:
        if _ROUTER is None:
            _ROUTER = Router(search, aliases_of=_ALIASES)
        return _ROUTER


def learned_enabled() -> bool:
    """Whether routing and answers use the learned model (not with ``use_measures``)."""
    setting = os.environ.get(LEARNED_ENV, "on").strip().lower()
    return _OVERRIDE is None and setting not in ("off", "0", "false", "no")


def learned_model() -> LearnedModel | None:
    """The learned model of the shipped corpus (read, or built on first use), or None when
    the learned layer is off."""
    global _MODEL, _MODEL_TRIED  # noqa: PLW0603 - process-wide cache by design
    if not learned_enabled():
        return None
    with _MODEL_LOCK:
        if _MODEL is None and not _MODEL_TRIED:
            _MODEL_TRIED = True
            from knowledge.learned.build import load_model  # noqa: PLC0415 - lazy: numpy only

            result = load_model()
            _MODEL = result.model if result is not None else None
        return _MODEL


def _combined() -> tuple[Routes, Answers] | None:
    global _COMBINED  # noqa: PLW0603 - process-wide cache by design
    model = learned_model()
    if model is None:
        return None
    plain = retrieval_router()
    with _LOCK:
        if _COMBINED is None:
            from knowledge.learned.combine import CombinedAsker, CombinedRouter  # noqa: PLC0415

            measures = plain.searcher.measures
            _COMBINED = (
                CombinedRouter(plain, model, measures),
                CombinedAsker(plain.searcher, model),
            )
        return _COMBINED


def router() -> Routes:
    """The process-wide router: the learned model with retrieval, or retrieval alone when
    the learned layer is off."""
    combined = _combined()
    return combined[0] if combined is not None else retrieval_router()


def asker() -> Answers:
    """The process-wide answerer of policy questions (combined, or the searcher alone)."""
    combined = _combined()
    return combined[1] if combined is not None else searcher()


def warm_up() -> None:
    """For long-running processes (the bot, the HTTP API, benchmarks): build the searcher and
    router now (reading the learned model, or building it when absent), and give the segmenter
    its whole dictionary at once. A one-shot command reads
    only the dictionary shards its question needs, which starts fast but makes each lookup
    slower; a process that routes thousands of complaints wants the plain dictionary."""
    from knowledge.search import segment  # noqa: PLC0415

    router()
    asker()
    segment.load_whole_dictionary()
