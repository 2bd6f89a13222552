"""The SQLite file a process opened, and whether it is still there to write to.

Owns the check behind ``/health`` for SQLite. Connections that are open keep working on a file
that was deleted (they hold it), so a read through them says nothing; and a new connection to
a missing path would create an empty database. The check therefore looks at the path itself,
without opening it: it must still be the same file (device and inode as at start: not deleted,
not replaced), and the file, its WAL and shared-memory companions and its folder must be
writable. It never opens the files: closing a descriptor of a SQLite file would drop the locks
this process's connections hold on it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import DatabaseUnavailable

log = logging.getLogger(__name__)

#: files SQLite keeps beside the database in WAL mode
COMPANIONS = ("-wal", "-shm")


@dataclass(frozen=True, slots=True)
class SqliteFile:
    path: Path
    #: (device, inode) of the file when the process opened it; None if it did not exist yet
    identity: tuple[int, int] | None

    @classmethod
    def of(cls, engine: AsyncEngine) -> SqliteFile | None:
        """The engine's database file (None for PostgreSQL and in-memory SQLite)."""
        url = engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        path = Path(url.database).absolute()
        try:
            found = path.stat()
        except OSError:
            return cls(path, None)
        return cls(path, (found.st_dev, found.st_ino))

    def check(self) -> None:
        """``DatabaseUnavailable`` unless the file is the one opened at start and can be
        written. The reason goes to the log (with the path), not into the error, which
        ``/health`` shows to whoever asks."""
        problem = self._problem()
        if problem is not None:
            log.warning("SQLite database %s: %s", self.path, problem)
            raise DatabaseUnavailable(problem)

    def _problem(self) -> str | None:
        try:
            found = self.path.stat()
        except OSError:
            return "the database file is gone (deleted, or its folder removed)"
        if self.identity is not None and (found.st_dev, found.st_ino) != self.identity:
            return "the database file was replaced by another file since start"
        if not os.access(self.path.parent, os.W_OK | os.X_OK):
            return "the database folder is not writable"
        for name in (self.path, *(Path(f"{self.path}{s}") for s in COMPANIONS)):
            if name.exists() and not os.access(name, os.R_OK | os.W_OK):
                return f"{name.name} is read-only"
        return None
