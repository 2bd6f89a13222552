"""`yousu db`: the database schema (migrations are also applied automatically at start).

``yousu db upgrade`` is also how a SQLite database is created on a first deployment: `run`,
`serve` and `sweep` refuse a missing file (unless ``--create-database``)."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.output import bilingual_help, help_handler
from bot.config import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help=bilingual_help("数据库结构", "database schema"))
    commands = parser.add_subparsers(dest="db_command", metavar="子命令/SUBCOMMAND")
    parser.set_defaults(handler=help_handler(parser))
    upgrade = commands.add_parser(
        "upgrade", help=bilingual_help("升级到最新结构（幂等）", "migrate to the newest schema")
    )
    upgrade.set_defaults(handler=_upgrade)
    current = commands.add_parser(
        "current", help=bilingual_help("显示当前结构版本", "show the schema revision")
    )
    current.set_defaults(handler=_current)


def _upgrade(_args: argparse.Namespace) -> int:
    from db.bootstrap import open_database  # noqa: PLC0415
    from db.engine import shown_url  # noqa: PLC0415
    from db.migrate import current_revision  # noqa: PLC0415

    settings = load_settings()

    async def go() -> tuple[str | None, bool]:
        database = await open_database(settings.effective_database_url)
        try:
            return await current_revision(database.engine), database.created
        finally:
            await database.dispose()

    revision, created = asyncio.run(go())
    shown = shown_url(settings.effective_database_url)
    if created:
        print(f"已新建空数据库 / created a new, empty database: {shown}")
    print(f"数据库已是最新结构 / database at revision {revision}: {shown}")
    return 0


def _current(_args: argparse.Namespace) -> int:
    from db.bootstrap import schema_revision  # noqa: PLC0415
    from db.migrate import head_revision  # noqa: PLC0415

    settings = load_settings()
    revision = asyncio.run(schema_revision(settings.effective_database_url))
    head = head_revision()
    state = "最新 / up to date" if revision == head else f"待升级 / behind (head {head})"
    print(f"{revision or '（空库 / empty）'}  {state}")
    return 0
