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
from knowledge.routing.router import RouteDecision

Route = Callable[[str], RouteDecision]
#: canonical unit name for a name or alias a person typed; raises a named error if unknown
CanonicalUnit = Callable[[str], str]


def default_router() -> Route:
    from knowledge.brain import router  # noqa: PLC0415 - builds the index on first use

    return router().route


def default_unit_names() -> CanonicalUnit:
    from knowledge.base import load_knowledge_base  # noqa: PLC0415 - reads JSON

    return load_knowledge_base().units.canonical


@dataclass
class ServiceContext:
    uow_factory: UnitOfWorkFactory
    sla: SlaEngine
    clock: Clock
    route: Route = field(default_factory=default_router)
    canonical_unit: CanonicalUnit = field(default_factory=default_unit_names)
    zone: tzinfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
