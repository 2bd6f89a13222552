"""Routing complaints to lead units, and choosing their SLA policy, from the plans' data."""

from knowledge.routing.router import MeasureRef, RouteDecision, Router
from knowledge.routing.sla import SlaDecision, SlaPolicyTable, load_sla_policies

__all__ = [
    "MeasureRef",
    "RouteDecision",
    "Router",
    "SlaDecision",
    "SlaPolicyTable",
    "load_sla_policies",
]
