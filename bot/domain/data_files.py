"""Reading the operator-editable TOML data files (policies, service hours, calendar overrides)
with bilingual errors that name the file and the problem."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.errors import YousuError


def read_toml(path: Path, error: type[YousuError], what: tuple[str, str]) -> dict[str, Any]:
    """The parsed file; ``error`` ("找不到{what}" / "{what} not found", or unreadable)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise error(f"找不到{what[0]}：{path}", f"{what[1]} not found: {path}") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise error(
            f"{what[0]}无法读取：{path}（{exc}）", f"{what[1]} is unreadable: {path} ({exc})"
        ) from exc


def validation_detail(exc: ValidationError) -> str:
    """Pydantic's errors as one line: ``field.path: message; ...``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
    )
