"""What every use case needs, in one value: storage, deadlines, time and routing.

The composition root (``bot.app``) builds one ``ServiceContext`` per process; tests build one
over a test database and a fixed clock. Routing is a plain function so tests can pass the real
router or a predictable one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from zoneinfo import ZoneInfo

from bot.domain.sla import SlaEngine
from bot.ports import Clock, UnitOfWorkFactory
from knowledge.intent import MessageIntent
from knowledge.routing.router import RouteDecision
from knowledge.search.searcher import Answer

Route = Callable[[str], RouteDecision]
#: a policy question -> the measures that answer it, best first
Ask = Callable[[str], Answer]
#: what a chat message means (a complaint, a question, a greeting, ...)
Classify = Callable[[str], MessageIntent]
#: canonical unit name for a name or alias a person typed; raises a named error if unknown
CanonicalUnit = Callable[[str], str]


#: the units a measure's plan names besides ``lead_unit``: (measure id, lead unit) -> co-units
CoUnits = Callable[[str, str], tuple[str, ...]]


def default_co_units() -> CoUnits:
    """The other lead units and the co-units the plan names for the measure (none for an
    unknown measure id), as the router gives them when it assigns a complaint itself."""
    from knowledge.base import load_knowledge_base  # noqa: PLC0415 - reads JSON

    measures = {m.id: m for m in load_knowledge_base().measures}

    def co_units(measure_id: str, lead_unit: str) -> tuple[str, ...]:
        measure = measures.get(measure_id)
        if measure is None:
            return ()
        named = dict.fromkeys((*measure.lead_units, *measure.co_units))
        return tuple(u for u in named if u != lead_unit)

    return co_units


def default_asker() -> Ask:
    """The learned model with retrieval (``knowledge.brain.asker``), built on first use."""
    from knowledge.brain import asker  # noqa: PLC0415 - builds the index on first use

    return lambda question: asker().answer(question, limit=5)


def default_classifier() -> Classify:
    from knowledge.intent import classify_message  # noqa: PLC0415

    return classify_message


def default_router() -> Route:
    """The learned model with retrieval (``knowledge.brain.router``), built on first use."""
    from knowledge.brain import router  # noqa: PLC0415 - builds the index on first use

    return lambda text: router().route(text)


def default_unit_names() -> CanonicalUnit:
    """Names resolve through the registry's aliases; a group (各镇办, 区直相关部门) is not a
    unit anyone can be assigned to, and an unknown name lists the closest known ones."""
    from bot.errors import InvalidInput  # noqa: PLC0415
    from knowledge.base import load_knowledge_base  # noqa: PLC0415 - reads JSON

    registry = load_knowledge_base().units

    def canonical(name: str) -> str:
        found = registry.canonical(name.strip())
        if registry.is_group(found):
            raise InvalidInput(
                f"“{found}”是单位集合，不是具体单位，请指定一个单位",
                f"{found!r} is a group of units, not a unit",
            )
        return found

    return canonical


@dataclass
class ServiceContext:
    uow_factory: UnitOfWorkFactory
    sla: SlaEngine
    clock: Clock
    route: Route = field(default_factory=default_router)
    ask: Ask = field(default_factory=default_asker)
    canonical_unit: CanonicalUnit = field(default_factory=default_unit_names)
    co_units: CoUnits = field(default_factory=default_co_units)
    classify: Classify = field(default_factory=default_classifier)
    zone: tzinfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
