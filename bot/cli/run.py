"""`yousu run`: the main job.

With a Telegram token it runs the bot (polling the Bot API at ``TELEGRAM_BASE_URL``) with the
outbox worker and the SLA sweeper in the same process, until Ctrl-C or SIGTERM. Without one, on
a terminal, it opens the terminal chat (``bot/cli/chat.py``: the real bot against a local Bot
API stand-in); with ``--walkthrough`` (or without a terminal) it runs the scripted demo a
newcomer can try: it shows what the knowledge base holds, answers a policy question, routes
two complaints and computes their deadlines, then walks a complaint through its whole
lifecycle on the real database (the SQLite file in the data folder: intake, 签收, reply, 办结,
rating, the sweeper, the weekly figures), all from the real code and the shipped data; on a
terminal it then takes the newcomer's own questions and complaints.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

from bot.cli.ask import answer_json, render_answer
from bot.cli.output import add_create_database, bilingual_help, say_if_created
from bot.cli.route import render_route, route_json
from bot.cli.signals import stop_on_signals
from bot.cli.sla import render_schedule
from bot.config import Settings, load_settings
from bot.domain.local_time import show_local
from bot.errors import YousuError
from bot.logs import configure_logging

SAMPLE_QUESTION = "新注册一家公司，从申请到拿到执照要几个工作日？"
SAMPLE_COMPLAINTS = (
    "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。",
    "我们公司想贷300万流动资金，跑了两家银行都说要抵押，一个多月没有结果。",
)
#: what a line must start with to be treated as a complaint in the interactive demo
COMPLAINT_PREFIXES = ("诉求：", "诉求:", "投诉：", "投诉:")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help=bilingual_help(
            "运行主程序（无令牌时运行本地演示）", "run the main job (local demo without a token)"
        ),
    )
    parser.add_argument(
        "--no-input",
        action="store_true",
        help=bilingual_help("演示后不进入交互", "do not ask for input after the demo"),
    )
    parser.add_argument(
        "--walkthrough",
        action="store_true",
        help=bilingual_help(
            "运行脚本式演示（不打开终端对话）", "the scripted walkthrough instead of the chat"
        ),
    )
    add_create_database(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.telegram_bot_token is not None:
        return run_telegram(settings, create_database=args.create_database)
    if not args.walkthrough and not args.no_input and sys.stdin.isatty():
        return terminal_chat(settings)
    run_demo(settings, out=sys.stdout)
    if not args.no_input and sys.stdin.isatty():
        interactive(settings, sys.stdin, sys.stdout)
    return 0


def terminal_chat(settings: Settings) -> int:
    """The real bot against the local Bot API stand-in, played from the terminal."""
    from bot.cli.chat import run_chat, stdin_lines  # noqa: PLC0415

    logging.getLogger().setLevel(logging.WARNING)
    try:
        asyncio.run(run_chat(settings, stdin_lines(sys.stdin), sys.stdout))
    except KeyboardInterrupt:
        print("\n再见 / bye")
    return 0


def run_telegram(settings: Settings, *, create_database: bool = False) -> int:
    """The bot until Ctrl-C or SIGTERM; both stop it cleanly: no more updates taken (polling
    stops; the webhook server finishes requests in flight), updates in flight finish within
    SHUTDOWN_GRACE_SECONDS (the rest stay in the inbox), background tasks cancelled, database
    closed."""
    from telegram.error import TelegramError  # noqa: PLC0415 - keeps --help fast

    from bot.app import open_app, run_bot  # noqa: PLC0415
    from bot.owners import owner_name  # noqa: PLC0415
    from handlers.telegram.application import BackgroundTaskEnded  # noqa: PLC0415
    from handlers.telegram.webhook import WebhookConfig  # noqa: PLC0415

    webhook = WebhookConfig.from_settings(settings)  # a mistake is said before anything starts

    redact = configure_logging(settings.log_level, settings)  # the token is in Bot API URLs
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per poll otherwise

    async def go() -> None:
        stop = stop_on_signals()
        async with open_app(settings, create_database=create_database) as app:
            say_if_created(app)
            await run_bot(app, stop, owner_name())

    mode = f"webhook {webhook.url}" if webhook is not None else "轮询 / polling"
    print(f"机器人运行中（{mode}），Ctrl+C 停止 / bot running, Ctrl+C to stop", flush=True)
    try:
        asyncio.run(go())
    except TelegramError as exc:
        print(
            redact.redact(
                f"无法连接 Telegram（{settings.telegram_base_url}）：{exc}\n"
                f"Cannot use the Bot API at {settings.telegram_base_url}: {exc}"
            ),
            file=sys.stderr,
        )
        return 1
    except BackgroundTaskEnded as exc:
        print(
            f"后台任务意外停止（{exc}），机器人已退出，请查看日志后重启\n"
            f"a background task ended ({exc}); the bot stopped, see the log",
            file=sys.stderr,
        )
        return 1
    print("机器人已停止 / bot stopped")
    return 0


def run_demo(settings: Settings, *, out: TextIO) -> None:
    """The scripted part of the demo; every figure and answer comes from the real code."""
    from bot.domain.sla import load_sla_engine  # noqa: PLC0415
    from knowledge.base import load_knowledge_base  # noqa: PLC0415 - keeps --help fast

    kb = load_knowledge_base()
    plan = sum(1 for m in kb.measures if m.doc == "2023-plan")
    rect = sum(1 for m in kb.measures if m.doc == "2022-rectification")
    units = len(kb.units.all_units())
    print("=== yousu 本地演示（未连接 Telegram）/ local demo ===", file=out)
    print(f"数据库 / database: {settings.effective_database_url}", file=out)
    print(
        f"知识库：2023年实施方案 {plan} 条举措，2022年整改方案 {rect} 个指标，{units} 个单位。",
        file=out,
    )
    print(f"\n--- 政策咨询 / policy question ---\n问：{SAMPLE_QUESTION}", file=out)
    print(render_answer(answer_json(SAMPLE_QUESTION, limit=3)), file=out)

    engine = load_sla_engine(data_dir=settings.sla_data_dir)
    now = datetime.now(UTC)
    for text in SAMPLE_COMPLAINTS:
        print(f"\n--- 企业诉求 / complaint ---\n诉求：{text}", file=out)
        decision = route_json(text)
        print(render_route(decision), file=out)
        schedule = engine.schedule(decision["sla_policy"], now)
        print(render_schedule(schedule, engine, settings.zone), file=out)
    lifecycle_demo(settings, out=out)
    print(
        "\n自己试试 / try it yourself:\n"
        "  ./scripts/run    # 在终端里与真实机器人对话（扮演企业和承办单位）/ chat with the bot\n"
        '  .venv/bin/yousu ask "办理营业执照要带什么材料"\n'
        '  .venv/bin/yousu route "办厂房的施工许可证跑了好几趟还没办下来"\n'
        "  .venv/bin/yousu measures | less\n"
        "  .venv/bin/yousu complaint mine --as cli:demo\n"
        "  .venv/bin/yousu report weekly",
        file=out,
    )


def interactive(settings: Settings, source: TextIO, out: TextIO) -> None:
    """Answer the newcomer's own lines until an empty line or end of input."""
    print(
        "\n输入政策问题；以“诉求：”开头则按诉求分派。空行退出。\n"
        "Type a question; start with 诉求： to route a complaint. Empty line quits.",
        file=out,
    )
    while True:
        print("> ", end="", file=out, flush=True)
        line = source.readline()
        if not line or not line.strip():
            return
        text = line.strip()
        try:
            prefix = next((p for p in COMPLAINT_PREFIXES if text.startswith(p)), None)
            if prefix is not None:
                print(render_route(route_json(text[len(prefix) :])), file=out)
            else:
                print(render_answer(answer_json(text, limit=3)), file=out)
        except YousuError as exc:
            print(exc.bilingual(), file=out)


DEMO_ENTERPRISE = "cli:demo"
#: a Telegram id for the demo's handler; real officials are registered with `yousu officials`
DEMO_OFFICIAL = 10_000_001


def lifecycle_demo(settings: Settings, *, out: TextIO) -> None:
    """One complaint from intake to closed, on the configured database."""
    from bot.cli.app_runner import run_with_app  # noqa: PLC0415

    print("\n--- 诉求全流程 / a complaint from intake to closing ---", file=out)
    for line in run_with_app(_walk_through, settings):
        print(line, file=out)


async def _walk_through(app: object) -> list[str]:
    from bot.domain.figures import figures  # noqa: PLC0415
    from bot.domain.lifecycle import STATUS_TITLES  # noqa: PLC0415
    from bot.domain.records import Actor, Role  # noqa: PLC0415
    from bot.services import enterprise, handling, intake, queries, sweeper  # noqa: PLC0415
    from bot.services.officials import register_official  # noqa: PLC0415

    services = app.services  # type: ignore[attr-defined]
    zone = services.zone
    firm = Actor(*DEMO_ENTERPRISE.split(":"))
    lines: list[str] = []
    ack = await intake.submit_complaint(services, firm, SAMPLE_COMPLAINTS[0])
    lines.append(
        f"受理：工单 {ack.number}，派给 {ack.lead_unit}"
        f"（依据 {ack.measure_id} {ack.measure_title}）"
    )
    for deadline in ack.deadlines:
        lines.append(f"  时限 {deadline.milestone}: {show_local(deadline.due, zone)}")
    if ack.lead_unit is None:
        lines.append("  （待派单员确认单位）")
        return lines
    await register_official(
        services, DEMO_OFFICIAL, ack.lead_unit, "演示承办人", Role.HANDLER.value
    )
    official = Actor("telegram", str(DEMO_OFFICIAL))
    await handling.sign_off(services, official, ack.number)
    await handling.reply(services, official, ack.number, "已收到，明天上门勘察用电需求。")
    await handling.resolve(services, official, ack.number, "增容方案已出，预计下周送电。")
    await enterprise.rate(services, firm, ack.number, solved=True, score=5, comment="很快")
    view = await queries.complaint_status(services, firm, ack.number)
    lines.append(f"当前状态：{STATUS_TITLES[view.complaint.status]}；事件记录：")
    for event in view.events:
        when = event.at.astimezone(zone).strftime("%H:%M:%S")
        lines.append(f"  {when} {event.kind.value:<12} {event.actor}")
    result = await sweeper.sweep(services, "demo")
    lines.append(
        f"巡检（sweeper）：预警 {result.warned}，超时 {result.breached}，"
        f"自动结案 {result.auto_closed}"
    )
    now = services.clock.now().astimezone(zone)
    iso = now.isocalendar()
    from bot.services.reports import weekly_report  # noqa: PLC0415

    report = await weekly_report(services, f"{iso.year}-W{iso.week:02d}")
    district = report.units[0]
    shown = "，".join(f"{f.title} {f.shown()}" for f in figures(district.counts)[:5])
    lines.append(f"本周全区：受理 {district.counts.received} 件；{shown}")
    lines.append(f"数据保存在 / stored in: {services.uow_factory.engine.url}")
    return lines
