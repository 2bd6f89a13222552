"""`yousu units`: the unit registry, each unit's aliases and the measures it leads."""

from __future__ import annotations

import argparse

from bot.cli.output import bilingual_help, print_json
from knowledge.base import load_knowledge_base
from knowledge.views import unit_entries


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "units",
        help=bilingual_help("列出单位、别名及其牵头的举措", "list units, aliases, measures led"),
    )
    parser.add_argument(
        "--json", action="store_true", help=bilingual_help("输出 JSON 数组", "print a JSON array")
    )
    parser.set_defaults(handler=_units)


def _units(args: argparse.Namespace) -> int:
    entries = unit_entries(load_knowledge_base())
    if args.json:
        print_json(entries)
        return 0
    for entry in entries:
        kind = "组" if entry["kind"] == "group" else "单位"
        aliases = "、".join(entry["aliases"]) or "-"
        leads = ", ".join(entry["leads"]) or "-"
        print(f"[{kind}] {entry['name']}\n    别名 / aliases: {aliases}\n    牵头 / leads: {leads}")
    return 0
