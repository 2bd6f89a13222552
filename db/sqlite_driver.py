"""SQLite connections that run short statements on the event loop's own thread.

Owns how a SQLite statement reaches the database. aiosqlite sends every call (cursor, execute,
fetch, commit) to a worker thread and back; through SQLAlchemy that is four or five thread
hand-offs per statement, ~0.5 ms each time, where SQLite itself needs a few microseconds. A
complaint's intake is ~15 statements, so the hand-offs alone capped intake at ~40/s.

``LoopConnection`` is an aiosqlite connection (so SQLAlchemy's aiosqlite dialect drives it
unchanged) that runs calls in the calling thread instead, which is safe for two reasons:

- **Locks never block the loop.** The connection's own busy timeout is zero, so a statement
  that meets another writer's lock fails at once with SQLITE_BUSY (having changed nothing);
  the call is then retried after an ``asyncio.sleep`` with back-off until ``wait_for_lock``
  seconds have passed. Other coroutines, including the one holding the lock, run meanwhile.
- **Long reads still go to the worker thread.** A transaction that begins read-only (the
  reports, see ``db.engine.READ_ONLY``) switches the connection to the thread for its
  duration, so a two-second weekly report never freezes the bot; every other statement is an
  index lookup or a small write that takes microseconds.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite

#: first and longest pause between two tries for a lock held by another connection
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.05


_SQLITE_BUSY = 5
#: a read transaction's snapshot went stale: waiting cannot help, only a new transaction
_SQLITE_BUSY_SNAPSHOT = 517


def is_busy(exc: BaseException) -> bool:
    """SQLite's "another connection holds the lock" (SQLITE_BUSY), which waiting can cure;
    not SQLITE_LOCKED (a conflict within this connection) nor a stale snapshot."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code: int | None = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # Python before 3.11 has no error codes on exceptions
        return "database is locked" in str(exc).lower()
    return code & 0xFF == _SQLITE_BUSY and code != _SQLITE_BUSY_SNAPSHOT


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs calls inline unless told to use its thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], wait_for_lock: float) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._thread.daemon = True  # as SQLAlchemy does for its own aiosqlite connections
        self.wait_for_lock = wait_for_lock
        #: False while a read-only transaction runs: its statements go to the worker thread
        self.runs_inline = True

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        pause = _FIRST_PAUSE
        while True:
            # only a call made outside a transaction is retried (BEGIN IMMEDIATE, which takes
            # the lock, and autocommit statements): inside one, a statement that failed
            # half-way (executemany) must not run again, and WAL never makes it wait there
            outside = self._connection is None or not self._connection.in_transaction
            try:
                if self.runs_inline and self._connection is not None and self._running:
                    return fn(*args, **kwargs)
                return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
            except sqlite3.OperationalError as exc:
                if not outside or not is_busy(exc):
                    raise
                now = loop.time()
                if deadline is None:
                    deadline = now + self.wait_for_lock
                if now >= deadline:
                    raise
                await asyncio.sleep(min(pause, deadline - now))
                pause = min(pause * 2, _LONGEST_PAUSE)


def connector(path: str, wait_for_lock: float) -> Callable[[], LoopConnection]:
    """What ``create_async_engine(async_creator=...)`` calls for each new connection.

    A file this engine has seen is never created again: once it existed, a new connection to
    the missing path fails ("unable to open database file", so ``DatabaseUnavailable``)
    instead of making an empty database there, where a lost one was."""
    file = None if path == ":memory:" else Path(path)
    seen = [file is not None and file.exists()]

    def connect_sqlite() -> sqlite3.Connection:
        if file is not None and seen[0] and not file.exists():
            raise sqlite3.OperationalError("unable to open database file")
        # once the file has existed, open it read-write only (mode=rw): checking first and
        # then connecting would race a file moved away in between, and recreate it empty
        target, uri = path, False
        if file is not None and seen[0]:
            target, uri = file.absolute().as_uri() + "?mode=rw", True
        # used from the loop's thread and from the worker thread, never both at once
        connection = sqlite3.connect(
            target, timeout=0, check_same_thread=False, isolation_level=None, uri=uri
        )
        seen[0] = True
        return connection

    def create() -> LoopConnection:
        return LoopConnection(connect_sqlite, wait_for_lock)

    return create
