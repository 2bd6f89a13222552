"""Telling a crashed lease holder on this host from a live one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from bot.owners import crashed_on_this_host, owner_name


def test_a_process_that_ended_has_crashed_and_a_running_one_has_not() -> None:
    ended = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert ended.returncode == 0
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        host = socket.gethostname()
        assert not crashed_on_this_host(f"{host}:{child.pid}")
    finally:
        child.kill()
        child.wait()
    assert crashed_on_this_host(f"{host}:{child.pid}")


def test_only_holders_on_this_host_are_judged() -> None:
    assert not crashed_on_this_host(owner_name())  # this process
    assert not crashed_on_this_host(f"another-host:{os.getpid() + 1_000_000}")
    assert not crashed_on_this_host("e2e")  # no pid: cannot tell
    assert owner_name() == f"{socket.gethostname()}:{os.getpid()}"
