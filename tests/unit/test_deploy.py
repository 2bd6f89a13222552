"""The deployment files stay in step with the code: every setting the compose file and the
systemd units set is a setting yousu reads, and every command they run is a yousu command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")


def test_compose_sets_only_settings_yousu_reads() -> None:
    keys = set(re.findall(r"^\s+- ([A-Z][A-Z0-9_]*)=", COMPOSE, re.MULTILINE))
    ours = {k for k in keys if not k.startswith("POSTGRES_")}
    assert ours, "no settings found: the file's format changed"
    assert ours <= {name.upper() for name in Settings.model_fields}


def test_compose_runs_two_bots_and_two_apis_after_one_migration() -> None:
    commands = [
        shlex.split(c.replace('", "', " ").strip('"'))
        for c in re.findall(r"^\s+command: \[(.*)\]$", COMPOSE, re.MULTILINE)
    ]
    names = [c[0] for c in commands]
    assert names.count("run") == 2 and names.count("serve") == 2 and names.count("db") == 1
    for argv in commands:
        build_parser().parse_args(argv)  # exits (SystemExit) on an unknown command or flag


@pytest.mark.parametrize("unit", ["yousu-run@.service", "yousu-serve@.service"])
def test_systemd_units_run_yousu_commands(unit: str) -> None:
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
    [command] = re.findall(r"/opt/yousu/\.venv/bin/yousu ([^'\n]*)", text)
    argv = [a for a in shlex.split(command.replace("$((8080 + %i))", "8081"))]
    build_parser().parse_args(argv)
    assert "KillSignal=SIGTERM" in text and "Restart=on-failure" in text
