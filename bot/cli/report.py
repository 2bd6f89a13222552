"""`yousu report weekly`: the weekly summary (周报), per unit and district-wide."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.app_runner import run_with_app
from bot.cli.output import bilingual_help, help_handler, print_json

if TYPE_CHECKING:
    from bot.app import App
    from bot.services.reports import WeeklyReport


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("report", help=bilingual_help("统计报表", "reports"))
    commands = parser.add_subparsers(dest="report_command", metavar="子命令/SUBCOMMAND")
    parser.set_defaults(handler=help_handler(parser))
    weekly = commands.add_parser("weekly", help=bilingual_help("周报", "weekly summary"))
    weekly.add_argument(
        "--week", help=bilingual_help("ISO 周，如 2026-W48（默认上一个完整周）", "ISO week")
    )
    weekly.add_argument("--json", action="store_true", help=bilingual_help("输出 JSON", "JSON"))
    weekly.add_argument("--xlsx", type=Path, help=bilingual_help("导出台账表格", "export .xlsx"))
    weekly.add_argument(
        "--send",
        action="store_true",
        help=bilingual_help(
            "同时推送给督办人和管理员（每人每周一次）", "also send it to supervisors and admins"
        ),
    )
    weekly.set_defaults(handler=_weekly)
    period = commands.add_parser("period", help=bilingual_help("任意时段", "any run of days"))
    period.add_argument(
        "--from",
        dest="first",
        required=True,
        type=_day,
        help=bilingual_help("开始日期 2026-11-01", "first day"),
    )
    period.add_argument(
        "--to",
        dest="last",
        required=True,
        type=_day,
        help=bilingual_help("结束日期（含）", "last day, inclusive"),
    )
    period.add_argument("--json", action="store_true", help=bilingual_help("输出 JSON", "JSON"))
    period.add_argument("--xlsx", type=Path, help=bilingual_help("导出台账表格", "export .xlsx"))
    period.set_defaults(handler=_period)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期应为 2026-11-01 格式 / expected YYYY-MM-DD: {text!r}"
        ) from None


def _weekly(args: argparse.Namespace) -> int:
    from bot.services.reports import send_weekly_summary, weekly_report  # noqa: PLC0415

    async def use(app: App) -> tuple[WeeklyReport, int | None]:
        # the default week is the last complete one on the application's clock
        report = await weekly_report(app.services, args.week)
        queued = await send_weekly_summary(app.services, report.week) if args.send else None
        return report, queued

    report, queued = run_with_app(use)
    if queued is not None:
        print(f"已推送给 {queued} 人（此前已推送的不重复）/ queued for {queued}", file=sys.stderr)
    return _show(report, args)


def _period(args: argparse.Namespace) -> int:
    from bot.services.reports import period_report  # noqa: PLC0415

    report = run_with_app(lambda app: period_report(app.services, args.first, args.last))
    return _show(report, args)


def _show(report: WeeklyReport, args: argparse.Namespace) -> int:
    from bot.services.reports import render_text, write_ledger  # noqa: PLC0415

    if args.xlsx is not None:
        write_ledger(report, args.xlsx)
    if args.json:
        print_json(report.as_dict())
    else:
        print(render_text(report))
        if args.xlsx is not None:
            print(f"\n台账已导出 / ledger written: {args.xlsx}")
    return 0
