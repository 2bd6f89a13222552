"""`yousu report weekly`: the weekly summary (周报), per unit and district-wide."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.app_runner import run_with_app
from bot.cli.output import bilingual_help, help_handler, print_json

if TYPE_CHECKING:
    from bot.app import App
    from bot.services.ledger import Ledger
    from bot.services.reports import TrendWeek, WeeklyReport


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
        "--png", type=Path, help=bilingual_help("导出统计图（PNG）", "export the chart as PNG")
    )
    weekly.add_argument(
        "--send",
        action="store_true",
        help=bilingual_help(
            "同时推送（督办人和管理员收全区，各单位工作人员收本单位；手动推送不影响周一的定时推送）",
            "also push it (supervisors and admins: the district; units' officials: their unit)",
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
    period.add_argument(
        "--png", type=Path, help=bilingual_help("导出统计图（PNG）", "export the chart as PNG")
    )
    period.set_defaults(handler=_period)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期应为 2026-11-01 格式 / expected YYYY-MM-DD: {text!r}"
        ) from None


def _weekly(args: argparse.Namespace) -> int:
    from bot.services.reports import weekly_report  # noqa: PLC0415
    from bot.services.weekly_push import send_weekly_summary  # noqa: PLC0415
    from handlers.reports.files import weekly_files  # noqa: PLC0415

    async def use(app: App) -> tuple[WeeklyReport, Exports, int | None]:
        # the default week is the last complete one on the application's clock
        report = await weekly_report(app.services, args.week)
        exports = await _gather(app, report, args)
        queued = None
        if args.send:  # by hand: its own, never the Monday push's
            queued = await send_weekly_summary(
                app.services, report.week, weekly_files, by_hand=True
            )
        return report, exports, queued

    report, exports, queued = run_with_app(use)
    if queued is not None:
        print(f"已推送给 {queued} 人（此前已推送的不重复）/ queued for {queued}", file=sys.stderr)
    return _show(report, exports, args)


def _period(args: argparse.Namespace) -> int:
    from bot.services.reports import period_report  # noqa: PLC0415

    async def use(app: App) -> tuple[WeeklyReport, Exports]:
        report = await period_report(app.services, args.first, args.last)
        return report, await _gather(app, report, args)

    report, exports = run_with_app(use)
    return _show(report, exports, args)


@dataclass(frozen=True)
class Exports:
    """What the files need beyond the report: the district's trend (for the chart) and the
    ledger's rows."""

    trend: tuple[TrendWeek, ...] = ()
    ledger: Ledger | None = None


async def _gather(app: App, report: WeeklyReport, args: argparse.Namespace) -> Exports:
    from bot.services.ledger import ledger  # noqa: PLC0415
    from bot.services.reports import district_trend  # noqa: PLC0415

    if args.png is None and args.xlsx is None:
        return Exports()
    trend = await district_trend(app.services, report)
    rows = await ledger(app.services, report) if args.xlsx is not None else None
    return Exports(trend, rows)


def _show(report: WeeklyReport, exports: Exports, args: argparse.Namespace) -> int:
    from bot.services.report_text import render_text  # noqa: PLC0415

    written = []
    if args.png is not None or args.xlsx is not None:
        from handlers.reports.chart import render_chart  # noqa: PLC0415 - loads matplotlib
        from handlers.reports.ledger import write_ledger  # noqa: PLC0415

        chart = render_chart(report, exports.trend)
        if args.png is not None:
            args.png.parent.mkdir(parents=True, exist_ok=True)
            args.png.write_bytes(chart)
            written.append(f"图表已导出 / chart written: {args.png}")
        if args.xlsx is not None:
            write_ledger(report, exports.ledger, args.xlsx, chart_png=chart)
            written.append(f"台账已导出 / ledger written: {args.xlsx}")
    if args.json:
        print_json(report.as_dict())
        for line in written:
            print(line, file=sys.stderr)
    else:
        print(render_text(report))
        if written:
            print("", *written, sep="\n")
    return 0
