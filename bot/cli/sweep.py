"""`yousu sweep`: the SLA sweeper as its own process (or one pass with ``--once``).

It warns units before clocks run out, records breaches once and escalates them, and closes
resolved complaints nobody answered; the messages wait in the outbox for the delivery worker
that runs with the bot. Several sweepers may run against one PostgreSQL: rows are leased.
"""

from __future__ import annotations

import argparse
import contextlib

from bot.cli.app_runner import run_with_app
from bot.cli.output import add_create_database, bilingual_help, print_json
from bot.owners import owner_name


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sweep", help=bilingual_help("时限巡检：预警、超时督办、自动结案", "run the SLA sweeper")
    )
    parser.add_argument(
        "--once", action="store_true", help=bilingual_help("只巡检一次", "one pass")
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=5.0,
        help=bilingual_help("巡检间隔秒数（默认 5）", "seconds between passes"),
    )
    add_create_database(parser)
    parser.set_defaults(handler=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    from bot.services import sweeper  # noqa: PLC0415

    if args.interval <= 0:
        args.interval = 5.0
    if args.once:
        result = run_with_app(
            lambda app: sweeper.sweep(app.services, owner_name()),
            create_database=args.create_database,
        )
        print_json(
            {
                "warned": result.warned,
                "breached": result.breached,
                "auto_closed": result.auto_closed,
            }
        )
        return 0
    print("时限巡检运行中，Ctrl+C 停止 / sweeper running, Ctrl+C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        run_with_app(
            lambda app: sweeper.run_forever(app.services, owner_name(), args.interval),
            create_database=args.create_database,
        )
    return 0
