"""Shared fixtures: the shipped knowledge base and the unit registry (read once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase, load_knowledge_base
from knowledge.units import UnitRegistry, load_registry

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "knowledge" / "sources"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="session")
def registry() -> UnitRegistry:
    return load_registry()
