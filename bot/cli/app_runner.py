"""Running a use case from the command line: open the app (database migrated), run, close."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.config import Settings, load_settings

T = TypeVar("T")


def run_with_app(
    use: Callable[..., Awaitable[T]],
    settings: Settings | None = None,
    *,
    create_database: bool = True,
) -> T:
    """``use(app)`` inside a fresh event loop with the database open (a missing SQLite file
    refused unless ``create_database``)."""
    from bot.app import open_app  # noqa: PLC0415 - keeps --help fast

    async def go() -> T:
        async with open_app(settings or load_settings(), create_database=create_database) as app:
            return await use(app)

    return asyncio.run(go())
