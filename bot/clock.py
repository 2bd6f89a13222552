"""The real clock for the running service (tests pass a fixed one; see ``bot.ports.Clock``)."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """The current instant in UTC, timezone-aware."""

    def now(self) -> datetime:
        return datetime.now(UTC)
