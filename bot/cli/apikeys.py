"""`yousu apikeys`: the 12345 platform's API keys in the database (make, list, revoke).

``create`` prints the key once, as the last word of its last line (only its SHA-256 is
kept); with ``--callback-url`` it also prints the secret the callbacks are signed with.
"""

from __future__ import annotations

import argparse

from bot.cli.app_runner import run_with_app
from bot.cli.output import bilingual_help, help_handler, print_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "apikeys",
        help=bilingual_help("12345 平台接口密钥：生成、列出、吊销", "API keys of the platform"),
    )
    commands = parser.add_subparsers(dest="apikeys_command", metavar="子命令/SUBCOMMAND")
    parser.set_defaults(handler=help_handler(parser))

    create = commands.add_parser(
        "create", help=bilingual_help("生成密钥（只显示一次）", "make a key (shown once)")
    )
    create.add_argument("--name", required=True, help=bilingual_help("平台名称", "its name"))
    create.add_argument(
        "--callback-url",
        help=bilingual_help("工单变化时回调的地址", "where changes are posted"),
    )
    create.set_defaults(handler=_create)

    show = commands.add_parser("list", help=bilingual_help("列出密钥（不含密钥本身）", "list"))
    show.add_argument("--json", action="store_true", help=bilingual_help("输出 JSON", "JSON"))
    show.set_defaults(handler=_list)

    revoke = commands.add_parser("revoke", help=bilingual_help("吊销密钥", "revoke a key"))
    revoke.add_argument("name", help=bilingual_help("平台名称", "its name"))
    revoke.set_defaults(handler=_revoke)


def _create(args: argparse.Namespace) -> int:
    from bot.services.api_keys import create_key  # noqa: PLC0415

    made = run_with_app(lambda app: create_key(app.services, args.name, args.callback_url))
    record = made.record
    print(f"已生成密钥 / key created: {record.name}")
    if record.callback_url:
        print(f"回调地址 / callback URL: {record.callback_url}")
        print(
            "回调签名密钥（X-Yousu-Signature: sha256=HMAC-SHA256(签名密钥, 请求体)）"
            f" / signing secret: {record.signing_secret}"
        )
    print("密钥只显示这一次，请妥善保存 / the key is shown once only")
    print(f"API 密钥 / API key: {made.key}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from bot.services.api_keys import list_keys  # noqa: PLC0415

    keys = run_with_app(lambda app: list_keys(app.services))
    if args.json:
        print_json(
            [
                {
                    "name": k.name,
                    "created_at": k.created_at.isoformat(),
                    "callback_url": k.callback_url,
                    "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
                }
                for k in keys
            ]
        )
        return 0
    for k in keys:
        state = "有效 / active" if k.active else f"已吊销 / revoked {k.revoked_at:%Y-%m-%d %H:%M}"
        print(f"{k.name}\t{k.created_at:%Y-%m-%d %H:%M}\t{state}\t{k.callback_url or '-'}")
    if not keys:
        print("（数据库中暂无密钥 / no keys in the database）")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from bot.services.api_keys import revoke_key  # noqa: PLC0415

    record = run_with_app(lambda app: revoke_key(app.services, args.name))
    print(f"已吊销 / revoked: {record.name}")
    return 0
