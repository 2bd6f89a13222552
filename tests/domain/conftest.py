"""Shared fixtures for the domain tests: the engine on the shipped data, and a helper for
writing data files into a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.domain.sla import SlaEngine, load_sla_engine


@pytest.fixture(scope="session")
def engine() -> SlaEngine:
    return load_sla_engine()


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
