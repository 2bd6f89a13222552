"""`yousu run`: the main job.

With a Telegram token it will run the bot and the HTTP API. Without one it runs a local demo a
newcomer can try: it shows what the knowledge base holds, answers a policy question, routes
two complaints and computes their deadlines, all from the real code and the shipped data; on
a terminal it then takes the newcomer's own questions and complaints.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TextIO

from bot.cli.ask import answer_json, render_answer
from bot.cli.output import bilingual_help
from bot.cli.route import render_route, route_json
from bot.cli.sla import render_schedule
from bot.config import Settings, load_settings
from bot.errors import YousuError

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
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.telegram_bot_token is not None:
        print(
            "已配置机器人令牌，但 Telegram 机器人尚未接入本版本；先运行本地演示。\n"
            "A bot token is set, but the Telegram side is not in this version yet; "
            "running the local demo."
        )
    run_demo(settings, out=sys.stdout)
    if not args.no_input and sys.stdin.isatty():
        interactive(settings, sys.stdin, sys.stdout)
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
    print(
        "\n自己试试 / try it yourself:\n"
        '  .venv/bin/yousu ask "办理营业执照要带什么材料"\n'
        '  .venv/bin/yousu route "办厂房的施工许可证跑了好几趟还没办下来"\n'
        "  .venv/bin/yousu measures | less",
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
