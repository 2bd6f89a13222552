"""The `yousu` command: one entry point, a subcommand per use case.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``; it sets ``handler`` on its parser to a function taking the
parsed arguments and returning an exit code. Named errors (``YousuError``) become a
bilingual message on stderr and exit code 2; nothing else is caught, so bugs still show.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from bot import __version__
from bot.errors import YousuError
from bot.logs import configure_logging

#: subcommand modules, in the order `--help` lists them
COMMAND_MODULES: tuple[str, ...] = (
    "bot.cli.run",
    "bot.cli.serve",
    "bot.cli.ask",
    "bot.cli.route",
    "bot.cli.train",
    "bot.cli.measures",
    "bot.cli.units",
    "bot.cli.import_plan",
    "bot.cli.sla",
    "bot.cli.complaint",
    "bot.cli.officials",
    "bot.cli.apikeys",
    "bot.cli.report",
    "bot.cli.sweep",
    "bot.cli.db",
)

Handler = Callable[[argparse.Namespace], int]

DESCRIPTION = (
    "偃师区“有诉即办”企业诉求机器人与服务。\n"
    "yousu: the 有诉即办 enterprise complaint bot and service of Yanshi District."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yousu",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"yousu {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="命令/COMMAND", title="命令 / commands"
    )
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    configure_logging(logging.WARNING)  # secrets are masked in every line from here on
    try:
        return handler(args)
    except YousuError as exc:
        print(f"错误：{exc.zh}\nError: {exc.en}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `yousu measures --json | head`: the reader went away; that is not an error.
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
