"""`yousu sla`: deadlines and policies of the SLA engine from the command line.

``yousu sla deadline --policy P --start ISO8601 [--json]`` prints every milestone of a policy for
a complaint received at ``start``; ``yousu sla policies`` lists the policies; ``yousu sla
coverage`` says which years have holiday data. Times are shown in the settings' zone (TZ,
default Asia/Shanghai); the engine itself works in UTC.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, tzinfo
from typing import Any

from bot.cli.output import bilingual_help, print_json
from bot.config import load_settings
from bot.domain.local_time import show_local
from bot.domain.sla import Counting, MilestoneRule, Schedule, SlaEngine, load_sla_engine
from bot.errors import InvalidInput

_UNIT_ZH = {
    Counting.SERVICE_SECONDS: "秒服务时间",
    Counting.WORKING_DAYS: "个工作日",
    Counting.MONTHS: "个月",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sla", help=bilingual_help("办理时限：计算截止时间、列出政策", "SLA deadlines and policies")
    )
    commands = parser.add_subparsers(dest="sla_command", metavar="子命令/SUBCOMMAND")
    parser.set_defaults(handler=lambda _args: _print_help(parser))

    deadline = commands.add_parser(
        "deadline",
        help=bilingual_help("计算各时限节点的截止时间", "compute the milestones' due times"),
    )
    deadline.add_argument(
        "--policy", required=True, help=bilingual_help("时限政策名称", "SLA policy name")
    )
    deadline.add_argument(
        "--start",
        required=True,
        help=bilingual_help(
            "受理时间，ISO 8601 且带时区，如 2026-09-30T12:00:30+08:00",
            "time of receipt, ISO 8601 with offset",
        ),
    )
    deadline.add_argument(
        "--category", help=bilingual_help("诉求类别（可选）", "complaint category (optional)")
    )
    deadline.add_argument("--json", action="store_true", help=bilingual_help("输出 JSON", "JSON"))
    deadline.set_defaults(handler=_deadline)

    policies = commands.add_parser(
        "policies", help=bilingual_help("列出时限政策", "list the SLA policies")
    )
    policies.add_argument("--json", action="store_true", help=bilingual_help("输出 JSON", "JSON"))
    policies.set_defaults(handler=_policies)

    coverage = commands.add_parser(
        "coverage",
        help=bilingual_help("节假日数据覆盖的年份", "which years have holiday data"),
    )
    coverage.add_argument(
        "--today", help=bilingual_help("按此日期检查（默认今天）", "check as of this date")
    )
    coverage.add_argument("--json", action="store_true", help=bilingual_help("输出 JSON", "JSON"))
    coverage.set_defaults(handler=_coverage)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _engine() -> tuple[SlaEngine, tzinfo]:
    settings = load_settings()
    return load_sla_engine(data_dir=settings.sla_data_dir), settings.zone


def parse_start(text: str) -> datetime:
    """An ISO 8601 date-time; a malformed one is a named error (naive ones are refused by
    the engine, which names them)."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        shown = text if len(text) <= 60 else text[:60] + "…"  # never echo a huge argument
        raise InvalidInput(
            f"受理时间格式不对，应为 ISO 8601（如 2026-09-30T12:00:30+08:00）：{shown!r}",
            f"start is not an ISO 8601 date-time (e.g. 2026-09-30T12:00:30+08:00): {shown!r}",
        ) from None


def schedule_json(schedule: Schedule, engine: SlaEngine, zone: tzinfo) -> dict[str, Any]:
    policy = engine.policy(schedule.policy)
    return {
        "policy": schedule.policy,
        "start": schedule.start.astimezone(zone).isoformat(),
        "milestones": [
            {
                "name": m.name,
                "title": policy.rule(m.name).title,
                "due": m.due.astimezone(zone).isoformat(),
                "warn_at": m.warn_at.astimezone(zone).isoformat(),
                "estimated": m.estimated,
            }
            for m in schedule.milestones
        ],
        "estimated": schedule.estimated,
    }


def _deadline(args: argparse.Namespace) -> int:
    engine, zone = _engine()
    start = parse_start(args.start)
    schedule = engine.schedule(args.policy, start, category=args.category)
    if args.json:
        print_json(schedule_json(schedule, engine, zone))
        return 0
    print(render_schedule(schedule, engine, zone))
    return 0


def render_schedule(schedule: Schedule, engine: SlaEngine, zone: tzinfo) -> str:
    """Readable Chinese text for a schedule (also used by the local demo)."""
    policy = engine.policy(schedule.policy)
    lines = [
        f"时限政策：{policy.name}（{policy.title}）",
        f"受理时间：{show_local(schedule.start, zone)}（{zone}）",
    ]
    for milestone in schedule.milestones:
        title = policy.rule(milestone.name).title
        mark = " *估算" if milestone.estimated else ""
        lines.append(
            f"  {title}（{milestone.name}）：截止 {show_local(milestone.due, zone)}，"
            f"提醒 {show_local(milestone.warn_at, zone)}{mark}"
        )
    lines.append(
        "说明：工作日自受理次日起算，按工作日计的时限截至第 N 个工作日 24:00；"
        "按月计的截至到期月对应日 24:00（无对应日取月末，遇休息日顺延至下一工作日）。"
    )
    if schedule.estimated:
        lines.append("注意：“估算”表示该年份没有节假日数据，按周一至周五计算。")
    return "\n".join(lines)


def _rule_text(rule: MilestoneRule) -> str:
    text = f"{rule.amount}{_UNIT_ZH[rule.counting]}"
    if rule.extension is not None:
        ext = rule.extension
        text += f"，可延期 {ext.max} 次、每次 {ext.amount}{_UNIT_ZH[ext.counting]}"
    return text


def _policies(args: argparse.Namespace) -> int:
    engine, _zone = _engine()
    policies = [engine.policy(name) for name in engine.policy_names()]
    if args.json:
        print_json(
            [
                {
                    "name": p.name,
                    "title": p.title,
                    "source": p.source,
                    "milestones": [
                        {
                            "name": r.name,
                            "title": r.title,
                            "counting": r.counting.value,
                            "amount": r.amount,
                            "warn_before": r.warn_before,
                            "extension": None
                            if r.extension is None
                            else {
                                "counting": r.extension.counting.value,
                                "amount": r.extension.amount,
                                "max": r.extension.max,
                            },
                        }
                        for r in p.milestones
                    ],
                    "categories": {c: dict(a) for c, a in p.categories.items()},
                }
                for p in policies
            ]
        )
        return 0
    for policy in policies:
        print(f"{policy.name}：{policy.title}")
        if policy.source:
            print(f"  依据：{policy.source}")
        for rule in policy.milestones:
            print(f"  - {rule.title}（{rule.name}）：{_rule_text(rule)}")
    return 0


def _coverage(args: argparse.Namespace) -> int:
    engine, zone = _engine()
    if args.today:
        try:
            today = date.fromisoformat(args.today.strip())
        except ValueError:
            raise InvalidInput(
                f"日期格式不对，应为 YYYY-MM-DD：{args.today!r}",
                f"not a YYYY-MM-DD date: {args.today!r}",
            ) from None
    else:
        today = datetime.now(zone).date()
    calendar = engine.calendar
    warning = calendar.coverage_warning(today)
    years = calendar.covered_years
    if args.json:
        print_json(
            {
                "today": today.isoformat(),
                "covered_years": list(years),
                "package_years": list(calendar.package_years),
                "warning": warning,
            }
        )
        return 0
    package = calendar.package_years
    if package:
        print(f"chinesecalendar 覆盖：{package[0]}–{package[-1]} 年")
    extra = sorted(set(years) - set(package))
    if extra:
        print(f"覆盖文件补充：{'、'.join(str(y) for y in extra)} 年")
    print(warning or f"{today.isoformat()}：今年及近期时限所需年份均已覆盖。")
    return 0
