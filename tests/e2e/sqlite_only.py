"""For modules whose tests start ``yousu`` as its own process (which reads the SQLite file):
``from tests.e2e.sqlite_only import e2e_backend`` replaces the backend parametrization of
``tests/e2e/conftest.py`` with SQLite alone."""

from __future__ import annotations

import pytest


@pytest.fixture(name="e2e_backend")
def e2e_backend() -> str:
    return "sqlite"
