"""Small helpers shared by subcommands for printing results."""

from __future__ import annotations

import json
import sys
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
