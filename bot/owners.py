"""Who holds a lease or a lock: ``host:pid`` of the process, so that a restarted process can
tell that a holder on its own host is gone (crashed, killed) and take over at once rather
than wait for the lease to expire. Holders on other hosts are never judged: their leases
expire."""

from __future__ import annotations

import os
import socket


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def crashed_on_this_host(owner: str) -> bool:
    """True when ``owner`` names a process of this host that no longer runs."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, another user's
        return False
    return False
