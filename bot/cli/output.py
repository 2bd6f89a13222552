"""Small helpers shared by subcommands for printing results."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any


def print_json(value: Any, *, compact: bool = False) -> None:
    """Print JSON with Chinese left readable (no \\u escapes)."""
    if compact:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=False, indent=2)
    sys.stdout.write(text + "\n")


def bilingual_help(zh: str, en: str) -> str:
    return f"{zh} / {en}"


def help_handler(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """A handler that prints the parser's help (for a command given without a subcommand)."""

    def show(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 0

    return show


def add_create_database(parser: argparse.ArgumentParser) -> None:
    """The flag of the long-running commands that lets them create a missing SQLite file
    (they refuse otherwise: a deleted database must not come back empty unnoticed)."""
    parser.add_argument(
        "--create-database",
        action="store_true",
        help=bilingual_help(
            "SQLite 数据库文件不存在时新建（首次部署）；默认拒绝启动，以免悄悄换成空库",
            "create the SQLite file if missing (first deployment); refused otherwise",
        ),
    )


def say_if_created(app: Any) -> None:
    """Say on stderr, loudly, that this start created an empty database."""
    if getattr(app.database, "created", False):
        print(
            f"注意：已新建空数据库 {app.database.url}（此前不存在）\n"
            f"NOTE: created a new, empty database at {app.database.url}",
            file=sys.stderr,
            flush=True,
        )
