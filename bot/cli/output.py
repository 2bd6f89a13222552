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
