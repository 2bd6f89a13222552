"""`yousu complaint`: every complaint use case from the command line, as the same services
Telegram and the HTTP API call. ``--as CHANNEL:ID`` says who acts (an enterprise such as
``cli:demo``, or an official by Telegram id such as ``telegram:111``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from bot.cli.app_runner import run_with_app
from bot.cli.output import bilingual_help, help_handler, print_json
from bot.domain.records import Actor
from bot.errors import InvalidInput

Use = Callable[[Any, Actor, argparse.Namespace], Awaitable[Any]]


def _actor(text: str) -> Actor:
    channel, _, external = (text or "").partition(":")
    if not channel or not external:
        raise InvalidInput(
            f"--as 应为 渠道:编号，如 telegram:111 或 cli:demo，收到 {text!r}",
            f"--as must be CHANNEL:ID, got {text!r}",
        )
    return Actor(channel.strip(), external.strip())


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _commands() -> dict[str, tuple[str, list[tuple[str, dict[str, Any]]], Use]]:
    from bot.services import enterprise, handling, intake, queries  # noqa: PLC0415

    number = ("number", {"help": bilingual_help("工单编号", "complaint number")})
    text = ("text", {"help": bilingual_help("内容", "text")})
    unit = ("unit", {"help": bilingual_help("单位", "unit")})
    reason = ("reason", {"help": bilingual_help("理由", "reason")})
    return {
        "submit": (
            "提交诉求 / file a complaint",
            [text],
            lambda s, a, n: intake.submit_complaint(s, a, n.text),
        ),
        "status": (
            "查看工单 / show one complaint",
            [number],
            lambda s, a, n: queries.complaint_status(s, a, n.number),
        ),
        "mine": ("我的诉求 / my complaints", [], lambda s, a, n: queries.my_complaints(s, a)),
        "queue": ("本单位待办 / my unit's queue", [], lambda s, a, n: queries.unit_queue(s, a)),
        "dispatch-queue": (
            "待派单 / awaiting a dispatcher",
            [],
            lambda s, a, n: queries.dispatcher_queue(s, a),
        ),
        "sign-off": (
            "签收 / sign off",
            [number],
            lambda s, a, n: handling.sign_off(s, a, n.number),
        ),
        "reply": (
            "回复 / reply",
            [number, text],
            lambda s, a, n: handling.reply(s, a, n.number, n.text),
        ),
        "resolve": (
            "办结 / resolve",
            [number, text],
            lambda s, a, n: handling.resolve(s, a, n.number, n.text),
        ),
        "transfer": (
            "转派 / transfer",
            [number, unit, reason],
            lambda s, a, n: handling.transfer(s, a, n.number, n.unit, n.reason),
        ),
        "return": (
            "退单 / return to the dispatcher",
            [number, reason],
            lambda s, a, n: handling.return_complaint(s, a, n.number, n.reason),
        ),
        "dispatch": (
            "派单 / assign a unit",
            [number, unit],
            lambda s, a, n: handling.dispatch(s, a, n.number, n.unit),
        ),
        "extend": (
            "延期申请 / ask for an extension",
            [number, reason],
            lambda s, a, n: handling.request_extension(s, a, n.number, n.reason),
        ),
        "approve-extension": (
            "批准延期 / approve",
            [("request_id", {"type": int})],
            lambda s, a, n: handling.decide_extension(s, a, n.request_id, True),
        ),
        "refuse-extension": (
            "不批准延期 / refuse",
            [("request_id", {"type": int}), reason],
            lambda s, a, n: handling.decide_extension(s, a, n.request_id, False, n.reason),
        ),
        "supervise": (
            "督办 / supervise",
            [number, text],
            lambda s, a, n: handling.supervise(s, a, n.number, n.text),
        ),
        "follow-up": (
            "补充说明 / add to it",
            [number, text],
            lambda s, a, n: enterprise.follow_up(s, a, n.number, n.text),
        ),
        "chase": ("催办 / chase", [number], lambda s, a, n: enterprise.chase(s, a, n.number)),
        "rate": (
            "评价 / rate (1-5)",
            [
                number,
                ("score", {"type": int}),
                ("--unsolved", {"action": "store_true"}),
                ("--comment", {"default": ""}),
            ],
            lambda s, a, n: enterprise.rate(
                s, a, n.number, solved=not n.unsolved, score=n.score, comment=n.comment
            ),
        ),
        "reopen": (
            "重办 / reopen",
            [number, reason],
            lambda s, a, n: enterprise.reopen(s, a, n.number, n.reason),
        ),
    }


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "complaint", help=bilingual_help("诉求办理（与机器人相同的功能）", "complaint use cases")
    )
    commands = parser.add_subparsers(dest="complaint_command", metavar="子命令/SUBCOMMAND")
    parser.set_defaults(handler=help_handler(parser))
    for name, (title, arguments, use) in _commands().items():
        sub = commands.add_parser(name, help=title)
        sub.add_argument(
            "--as",
            dest="actor",
            default="cli:local",
            help=bilingual_help("操作人 渠道:编号", "who acts, CHANNEL:ID"),
        )
        for arg, options in arguments:
            sub.add_argument(arg, **options)
        sub.set_defaults(handler=_runner(use))

    backlog = commands.add_parser(
        "import",
        help=bilingual_help(
            "批量导入（JSONL，每行一件；可重复运行，已导入的按 ref 跳过）",
            "file a backlog (JSONL; safe to run again)",
        ),
    )
    backlog.add_argument(
        "file", help=bilingual_help("JSONL 文件，- 为标准输入", "JSONL file, - for stdin")
    )
    backlog.add_argument(
        "--batch", type=int, default=200, help=bilingual_help("每批件数", "complaints per batch")
    )
    backlog.set_defaults(handler=_import)


def _runner(use: Use) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        actor = _actor(args.actor)
        result = run_with_app(lambda app: use(app.services, actor, args))
        print_json(_plain(result))
        return 0

    return run


def _import(args: argparse.Namespace) -> int:
    from bot.services.intake_import import import_complaints, parse_backlog  # noqa: PLC0415

    submissions = parse_backlog(_read_lines(args.file))

    def progress(done: int, total: int) -> None:
        print(f"已导入/filed {done}/{total}", file=sys.stderr, flush=True)

    result = run_with_app(
        lambda app: import_complaints(
            app.services, submissions, batch_size=args.batch, progress=progress
        )
    )
    print_json(
        {
            "filed": len(result.filed),
            "skipped": len(result.skipped),
            "numbers": [a.number for a in result.filed],
            "skipped_refs": result.skipped,
        }
    )
    return 0


def _read_lines(name: str) -> list[str]:
    if name == "-":
        return sys.stdin.read().splitlines()
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InvalidInput(f"找不到文件：{path}", f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"无法读取文件 {path}（须为 UTF-8 文本）：{exc}", f"cannot read {path}: {exc}"
        ) from None
