"""`yousu serve`: the HTTP API (Open311 GeoReport v2) until Ctrl-C or SIGTERM.

Opens the app (database migrated; a missing SQLite file is refused unless
``--create-database``), warms the router up so the first complaint is answered
quickly, and serves ``handlers.http`` with one intake queue, so complaints posted together are
written together. Beside it runs the outbox worker of the platform's callbacks (the
``callback`` channel only); Telegram messages and the SLA sweeper stay with ``yousu run``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.cli.output import add_create_database, bilingual_help, say_if_created
from bot.cli.signals import stop_on_signals
from bot.config import Settings, load_settings
from bot.logs import configure_logging

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help=bilingual_help("运行 HTTP 接口（Open311）", "run the HTTP API (Open311)"),
    )
    parser.add_argument(
        "--host", help=bilingual_help("监听地址（默认 HTTP_HOST）", "listen address")
    )
    parser.add_argument("--port", type=int, help=bilingual_help("端口（默认 HTTP_PORT）", "port"))
    add_create_database(parser)
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings)  # the access log holds api_key=...
    host = args.host or settings.http_host
    port = settings.http_port if args.port is None else args.port

    async def go() -> None:
        stop = stop_on_signals()

        def ready(bound: int) -> None:
            print(
                f"HTTP 接口运行中 http://{host}:{bound}/open311/v2/services.json，Ctrl+C 停止 / "
                "HTTP API running, Ctrl+C to stop",
                flush=True,
            )
            dashboard = (
                f"督办看板已启用（机器人 /dashboard 发出链接，{settings.public_base_url}）"
                if settings.dashboard_secret is not None
                else "督办看板未启用（设置 DASHBOARD_SECRET 后启用）"
            )
            print(f"{dashboard} / dashboard {'on' if settings.dashboard_secret else 'off'}")

        await serve_api(settings, host, port, stop, ready, create_database=args.create_database)

    asyncio.run(go())
    print("HTTP 接口已停止 / HTTP API stopped")
    return 0


async def serve_api(
    settings: Settings,
    host: str,
    port: int,
    stop: asyncio.Event,
    ready: Callable[[int], None] | None = None,
    *,
    create_database: bool = True,
) -> None:
    """Serve until ``stop`` is set; ``ready(port)`` is called once listening (the port the
    system chose when ``port`` is 0). On ``stop`` the socket is closed at once (new requests
    are refused) and requests in flight finish, for at most ``SHUTDOWN_GRACE_SECONDS``."""
    from aiohttp import web  # noqa: PLC0415 - keeps --help fast

    from bot.app import open_app  # noqa: PLC0415
    from bot.owners import owner_name  # noqa: PLC0415
    from bot.services import outbox_worker  # noqa: PLC0415
    from bot.services.callbacks import CHANNEL  # noqa: PLC0415
    from bot.services.intake_queue import IntakeQueue  # noqa: PLC0415
    from handlers.http.app import build_app  # noqa: PLC0415
    from handlers.http.callbacks import CallbackNotifier  # noqa: PLC0415
    from knowledge.brain import warm_up  # noqa: PLC0415

    async with open_app(settings, create_database=create_database) as app:
        say_if_created(app)
        await asyncio.to_thread(warm_up)
        web_app = build_app(app.services, settings, intake=IntakeQueue(app.services))
        runner = web.AppRunner(
            web_app, access_log=log, shutdown_timeout=settings.shutdown_grace_seconds
        )
        await runner.setup()
        notifier = CallbackNotifier(app.services)
        callbacks = asyncio.create_task(
            outbox_worker.run_forever(app.services, {CHANNEL: notifier}, owner_name()),
            name="callbacks",
        )
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound = int(runner.addresses[0][1]) if runner.addresses else port
            if ready is not None:
                ready(bound)
            await stop.wait()
        finally:
            callbacks.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await callbacks
            await notifier.close()
            await runner.cleanup()
