"""The unit of work: one session, one transaction, per use case.

Owns transaction boundaries and the translation of driver failures into the core's named
errors: a database that cannot be reached, a SQLite file that stays locked past the busy
timeout, or one that was deleted or made read-only under the running process (checked before
every commit), becomes ``DatabaseUnavailable`` and the transaction is rolled back, so no use case
leaves half its writes behind.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import ports
from bot.ports import DatabaseUnavailable
from db.platform import SqlApiKeys, SqlFiledQueries, SqlMetricsQueries
from db.report import SqlReportQueries
from db.repositories import (
    SqlChatStates,
    SqlClockRepository,
    SqlComplaintRepository,
    SqlEnterpriseRepository,
    SqlEventLog,
    SqlExtensionRepository,
    SqlInbox,
    SqlLocks,
    SqlOfficialRepository,
    SqlOutbox,
    SqlOutboxFiles,
    SqlRatingRepository,
)
from db.sqlite_file import SqliteFile

log = logging.getLogger(__name__)

#: driver errors that mean "the database is not there or not usable now", not "a bug"
UNAVAILABLE = (OperationalError, InterfaceError, OSError, ConnectionError, TimeoutError)


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, UNAVAILABLE)


class SqlUnitOfWork:
    # typed as the ports (protocol attributes are invariant); the Sql* classes satisfy them
    complaints: ports.ComplaintRepository
    events: ports.EventLog
    clocks: ports.ClockRepository
    officials: ports.OfficialRepository
    enterprises: ports.EnterpriseRepository
    ratings: ports.RatingRepository
    extensions: ports.ExtensionRepository
    outbox: ports.Outbox
    outbox_files: ports.OutboxFiles
    inbox: ports.Inbox
    locks: ports.Locks
    chat_states: ports.ChatStates
    reports: ports.ReportQueries
    api_keys: ports.ApiKeyRepository
    filed: ports.FiledQueries
    metrics: ports.MetricsQueries

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], storage: SqliteFile | None = None
    ) -> None:
        self._sessions = sessions
        self._storage = storage
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        session = self._sessions()
        self._session = session
        self.complaints = SqlComplaintRepository(session)
        self.events = SqlEventLog(session)
        self.clocks = SqlClockRepository(session)
        self.officials = SqlOfficialRepository(session)
        self.enterprises = SqlEnterpriseRepository(session)
        self.ratings = SqlRatingRepository(session)
        self.extensions = SqlExtensionRepository(session)
        self.outbox = SqlOutbox(session)
        self.outbox_files = SqlOutboxFiles(session)
        self.inbox = SqlInbox(session)
        self.locks = SqlLocks(session)
        self.chat_states = SqlChatStates(session)
        self.reports = SqlReportQueries(session)
        self.api_keys = SqlApiKeys(session)
        self.filed = SqlFiledQueries(session)
        self.metrics = SqlMetricsQueries(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            await session.rollback()
        except Exception:  # the connection may be gone already; nothing was committed
            log.debug("rollback failed", exc_info=True)
        finally:
            try:
                await session.close()
            except Exception:
                log.debug("close failed", exc_info=True)
        if exc is not None and is_unavailable(exc):
            raise DatabaseUnavailable(type(exc).__name__) from exc

    async def check_storage(self) -> None:
        """For a SQLite file: still the file opened at start, and writable (PostgreSQL: the
        read that follows says it all)."""
        if self._storage is not None:
            self._storage.check()

    async def commit(self) -> None:
        """Commit; for a SQLite file, only after ``check_storage`` (a write acknowledged into
        a deleted file, or one SQLite cannot write, would be lost: ``DatabaseUnavailable``
        instead, and the transaction is rolled back)."""
        assert self._session is not None, "commit outside 'async with'"
        if self._storage is not None:
            self._storage.check()
        try:
            await self._session.commit()
        except UNAVAILABLE as exc:
            raise DatabaseUnavailable(type(exc).__name__) from exc

    async def rollback(self) -> None:
        assert self._session is not None, "rollback outside 'async with'"
        await self._session.rollback()


class SqlUnitOfWorkFactory:
    """``factory()`` gives a fresh unit of work over ``engine``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        #: the SQLite file as it is now, when the process starts using it
        self.storage = SqliteFile.of(engine)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self.storage)
