"""Named locks whose holder died: taken over at once instead of waiting for the lease.

Owns the one rule both the Telegram poller (``inbox.recover_from_crashed``) and the SLA
sweeper apply: a lock held by a process that ``is_crashed`` says is gone (``bot.owners``:
same host, no such pid) is released, so a restarted process resumes without waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.ports import UnitOfWork

log = logging.getLogger(__name__)


async def free_if_crashed(uow: UnitOfWork, name: str, is_crashed: Callable[[str], bool]) -> bool:
    """Release lock ``name`` (in ``uow``, not committed) when its holder is gone; True then."""
    owner = await uow.locks.owner(name)
    if owner is None or not is_crashed(owner):
        return False
    await uow.locks.release(name, owner)
    log.info("took over lock %s from crashed %s", name, owner)
    return True
