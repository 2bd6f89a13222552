"""The searcher and router built from the shipped knowledge base, once per process.

Owns the wiring between the knowledge base (``knowledge.base``, imported lazily so commands
that do not search start fast) and search/routing. ``use_measures`` lets tests and tools put
a different list of measures in place.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

from knowledge.model import Measure
from knowledge.routing.router import Router
from knowledge.search.searcher import Searcher

_LOCK = threading.Lock()
_SEARCHER: Searcher | None = None
_ROUTER: Router | None = None
_ALIASES: Callable[[str], Iterable[str]] | None = None
_OVERRIDE: tuple[list[Measure], Callable[[str], Iterable[str]] | None] | None = None


def use_measures(
    measures: Sequence[Measure] | None,
    aliases_of: Callable[[str], Iterable[str]] | None = None,
) -> None:
    """Search these measures instead of the shipped knowledge base (None restores it)."""
    global _SEARCHER, _ROUTER, _OVERRIDE  # noqa: PLW0603 - process-wide cache by design
    with _LOCK:
        _OVERRIDE = None if measures is None else (list(measures), aliases_of)
        _SEARCHER = None
        _ROUTER = None


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


def router() -> Router:
    """The process-wide router (shares the searcher)."""
    global _ROUTER  # noqa: PLW0603 - process-wide cache by design
    search = searcher()
    with _LOCK:
        if _ROUTER is None:
            _ROUTER = Router(search, aliases_of=_ALIASES)
        return _ROUTER


def warm_up() -> None:
    """For long-running processes (the bot, the HTTP API, benchmarks): build the searcher and
    router now, and give the segmenter its whole dictionary at once. A one-shot command reads
    only the dictionary shards its question needs, which starts fast but makes each lookup
    slower; a process that routes thousands of complaints wants the plain dictionary."""
    from knowledge.search import segment  # noqa: PLC0415

    router()
    segment.load_whole_dictionary()
