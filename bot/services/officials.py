"""Registering officials: one by one, or a whole CSV roster at once.

Owns the rules for who can be an official: a Telegram id (a positive integer), a role, and for
unit roles (handler, unit admin) a unit the plans name, given by any of its aliases. District
roles (dispatcher, supervisor, admin) may have no unit. Registering an existing Telegram id
updates that official. A CSV import is all or nothing: every row is checked first and every bad
row reported with its line number, so a roster is never half loaded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from bot.domain.records import Official, Role
from bot.errors import InvalidInput, YousuError
from bot.services.context import ServiceContext
from bot.services.steps import clean_text

UNIT_ROLES = frozenset({Role.HANDLER, Role.UNIT_ADMIN})
COLUMNS = ("telegram_id", "unit", "name", "role")
ROLE_NAMES = {
    "handler": Role.HANDLER,
    "承办人": Role.HANDLER,
    "工作人员": Role.HANDLER,
    "unit_admin": Role.UNIT_ADMIN,
    "单位管理员": Role.UNIT_ADMIN,
    "dispatcher": Role.DISPATCHER,
    "派单员": Role.DISPATCHER,
    "supervisor": Role.SUPERVISOR,
    "督办人": Role.SUPERVISOR,
    "admin": Role.ADMIN,
    "管理员": Role.ADMIN,
}
MAX_ROSTER_BYTES = 5_000_000
#: the largest id the table holds (a signed 64-bit integer; Telegram's are far smaller)
MAX_TELEGRAM_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Registered:
    official: Official
    created: bool


def parse_role(text: str | None) -> Role:
    key = (text or "handler").strip().lower() or "handler"
    role = ROLE_NAMES.get(key)
    if role is None:
        raise InvalidInput(
            f"未知角色：{text!r}（可用：handler、unit_admin、dispatcher、supervisor、admin）",
            f"unknown role {text!r}",
        )
    return role


def parse_telegram_id(text: str | int) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        value = 0
    if not 0 < value <= MAX_TELEGRAM_ID:
        raise InvalidInput(f"Telegram ID 应为正整数：{text!r}", f"bad Telegram id {text!r}")
    return value


def build_official(
    ctx: ServiceContext, telegram_id: str | int, unit: str | None, name: str, role: str | None
) -> Official:
    parsed_role = parse_role(role)
    unit_name = ctx.canonical_unit(unit) if unit and unit.strip() else None
    if parsed_role in UNIT_ROLES and unit_name is None:
        raise InvalidInput(
            f"角色 {parsed_role.value} 必须指定所属单位", f"role {parsed_role.value} needs a unit"
        )
    clean_name = clean_text(name)[:100]
    return Official(parse_telegram_id(telegram_id), unit_name, parsed_role, clean_name)


async def register_official(
    ctx: ServiceContext,
    telegram_id: str | int,
    unit: str | None,
    name: str = "",
    role: str | None = None,
) -> Registered:
    official = build_official(ctx, telegram_id, unit, name, role)
    async with ctx.uow_factory() as uow:
        stored, created = await uow.officials.upsert(official)
        await uow.commit()
    return Registered(stored, created)


def read_roster(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            f"无法读取文件：{path}（{exc.strerror}）", f"cannot read {path}"
        ) from exc
    if not raw.strip():
        raise InvalidInput(f"文件是空的：{path}", f"empty file: {path}")
    if len(raw) > MAX_ROSTER_BYTES or b"\x00" in raw:
        raise InvalidInput(f"不是 CSV 文本文件：{path}", f"not a CSV text file: {path}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"文件不是 UTF-8 编码：{path}（请在表格软件中另存为“CSV UTF-8”）",
            f"{path} is not UTF-8",
        ) from exc


async def import_roster(ctx: ServiceContext, text: str) -> list[Registered]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("telegram_id", "unit") if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            f"CSV 缺少列：{'、'.join(missing)}（表头应为 {','.join(COLUMNS)}）",
            f"CSV lacks columns {missing}; header must be {','.join(COLUMNS)}",
        )
    officials: list[Official] = []
    problems: list[str] = []
    seen: dict[int, int] = {}
    for line, row in enumerate(reader, start=2):
        try:
            official = build_official(
                ctx,
                row.get("telegram_id") or "",
                row.get("unit"),
                row.get("name") or "",
                row.get("role"),
            )
        except YousuError as exc:
            problems.append(f"第{line}行 / line {line}: {exc.zh}")
            continue
        if official.telegram_id in seen:
            problems.append(
                f"第{line}行 / line {line}: Telegram ID 与第{seen[official.telegram_id]}行重复"
            )
            continue
        seen[official.telegram_id] = line
        officials.append(official)
    if problems:
        raise InvalidInput(
            "名单有误，未导入任何人：\n" + "\n".join(problems),
            f"{len(problems)} bad row(s); nothing imported",
        )
    if not officials:
        raise InvalidInput("名单中没有任何人", "the roster has no rows")
    results: list[Registered] = []
    async with ctx.uow_factory() as uow:
        for official in officials:
            stored, created = await uow.officials.upsert(official)
            results.append(Registered(stored, created))
        await uow.commit()
    return results


async def list_officials(ctx: ServiceContext) -> list[Official]:
    """Every registered official (for role-aware command menus)."""
    async with ctx.uow_factory() as uow:
        return [o for o in await uow.officials.all() if o.active]
