"""Small helpers for service and storage tests: a clock the test moves, and quick set-up of
officials."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.records import Actor, Official, Role
from bot.ports import UnitOfWorkFactory


class FixedClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, start: datetime) -> None:
        assert start.tzinfo is not None
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


async def add_official(
    factory: UnitOfWorkFactory, telegram_id: int, unit: str | None, role: Role, name: str = ""
) -> Actor:
    async with factory() as uow:
        await uow.officials.upsert(Official(telegram_id, unit, role, name or f"官员{telegram_id}"))
        await uow.commit()
    return Actor("telegram", str(telegram_id))
