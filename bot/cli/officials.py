"""`yousu officials`: register officials (one, or a CSV roster) and list them."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.app_runner import run_with_app
from bot.cli.output import bilingual_help, help_handler, print_json
from bot.domain.records import Official


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "officials",
        help=bilingual_help("工作人员：登记、导入、列出", "register and list officials"),
    )
    commands = parser.add_subparsers(dest="officials_command", metavar="子命令/SUBCOMMAND")
    parser.set_defaults(handler=help_handler(parser))

    add = commands.add_parser("add", help=bilingual_help("登记或更新一人", "add or update one"))
    add.add_argument("--unit", help=bilingual_help("所属单位（可用简称）", "unit (any alias)"))
    add.add_argument("--telegram-id", required=True, help="Telegram ID")
    add.add_argument("--name", default="", help=bilingual_help("姓名", "name"))
    add.add_argument(
        "--role",
        default="handler",
        help=bilingual_help("角色：handler、unit_admin、dispatcher、supervisor、admin", "role"),
    )
    add.set_defaults(handler=_add)

    imp = commands.add_parser(
        "import", help=bilingual_help("从 CSV 导入（全部成功或全部不导入）", "import a CSV roster")
    )
    imp.add_argument("file", type=Path, help="CSV: telegram_id,unit,name,role")
    imp.set_defaults(handler=_import)

    show = commands.add_parser("list", help=bilingual_help("列出工作人员", "list officials"))
    show.add_argument("--unit", help=bilingual_help("只列此单位", "only this unit"))
    show.add_argument("--json", action="store_true", help=bilingual_help("输出 JSON", "JSON"))
    show.set_defaults(handler=_list)


def _describe(official: Official) -> str:
    unit = official.unit or "（全区）"
    return f"{official.telegram_id}\t{official.role.value}\t{unit}\t{official.name}"


def _add(args: argparse.Namespace) -> int:
    from bot.services.officials import register_official  # noqa: PLC0415

    result = run_with_app(
        lambda app: register_official(
            app.services, args.telegram_id, args.unit, args.name, args.role
        )
    )
    verb = "已登记 / added" if result.created else "已更新 / updated"
    print(f"{verb}: {_describe(result.official)}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from bot.services.officials import import_roster, read_roster  # noqa: PLC0415

    text = read_roster(args.file)
    results = run_with_app(lambda app: import_roster(app.services, text))
    created = sum(r.created for r in results)
    print(
        f"已导入 {len(results)} 人（新增 {created}，更新 {len(results) - created}）"
        f" / imported {len(results)} ({created} new)"
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    async def use(app: object) -> list[Official]:
        services = app.services  # type: ignore[attr-defined]
        unit = services.canonical_unit(args.unit) if args.unit else None
        async with services.uow_factory() as uow:
            return await uow.officials.all(unit)  # type: ignore[no-any-return]

    officials = run_with_app(use)
    if args.json:
        print_json(
            [
                {
                    "telegram_id": o.telegram_id,
                    "unit": o.unit,
                    "role": o.role.value,
                    "name": o.name,
                    "active": o.active,
                }
                for o in officials
            ]
        )
    else:
        for official in officials:
            print(_describe(official))
        if not officials:
            print("（暂无工作人员 / no officials yet）")
    return 0
