"""Building the python-telegram-bot application and running it with its background work.

Owns the bot's wiring: token and Bot API base URL from the settings (``TELEGRAM_BASE_URL``
points at a self-hosted Bot API server, or at the tests' local stand-in), handler
registration, the command menu, the error handler, and ``serve``: polling (or the webhook
server, ``handlers/telegram/webhook.py``) plus the outbox worker and the sweeper as tasks of
the same process until asked to stop.

Updates come through the durable inbox (``handlers/telegram/inbox.py``: stored before Telegram
is told they arrived, so a crash loses none), not through python-telegram-bot's own poller.
They are handled concurrently, so complaints sent together reach the intake queue together
and are written in one transaction (group commit); each use case opens its own unit of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.errors import YousuError
from bot.services.context import ServiceContext
from bot.services.dashboard import LinkSettings
from bot.services.intake_queue import IntakeQueue
from bot.services.officials import list_officials
from handlers.telegram import keyboards, official_texts, texts
from handlers.telegram.conversation import ConversationHandlers
from handlers.telegram.dashboard import DashboardHandlers
from handlers.telegram.enterprise import EnterpriseHandlers
from handlers.telegram.inbox import DRAIN_SECONDS, LONG_POLL, DurableUpdates
from handlers.telegram.officials import COMMAND_ACTIONS, OfficialHandlers
from handlers.telegram.views import OfficialViews
from handlers.telegram.webhook import WebhookConfig, WebhookReceiver

log = logging.getLogger(__name__)

BotApplication = Application[Any, Any, Any, Any, Any, Any]
#: how many updates are handled at once
CONCURRENT_UPDATES = 64


def build_application(
    token: str,
    base_url: str,
    services: ServiceContext,
    intake: IntakeQueue | None = None,
    dashboard: LinkSettings | None = None,
) -> BotApplication:
    """The bot for enterprises and officials, not yet started; ``dashboard`` says how
    ``/dashboard`` links are made (None: the dashboard is off)."""
    application: BotApplication = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(CONCURRENT_UPDATES)
        .rate_limiter(AIORateLimiter())
        .post_init(_menus(services))
        .updater(None)  # updates come from the durable inbox (serve)
        .build()
    )
    queue = intake or IntakeQueue(services)
    handlers = EnterpriseHandlers(services, queue)
    officials = OfficialHandlers(services)
    chat = ConversationHandlers(services, queue, officials.pending_text)
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", handlers.start, filters=private))
    application.add_handler(CommandHandler("help", handlers.start, filters=private))
    application.add_handler(CommandHandler("ask", handlers.ask, filters=private))
    application.add_handler(CommandHandler("status", handlers.status, filters=private))
    application.add_handler(CommandHandler("mine", handlers.mine, filters=private))
    application.add_handler(CommandHandler("followup", handlers.follow_up, filters=private))
    application.add_handler(CommandHandler("chase", handlers.chase, filters=private))
    application.add_handler(CommandHandler("rate", handlers.rate, filters=private))
    application.add_handler(CommandHandler("profile", chat.profile, filters=private))
    application.add_handler(
        CallbackQueryHandler(chat.button, pattern=keyboards.CONVERSATION_PATTERN)
    )
    application.add_handler(CallbackQueryHandler(officials.button))
    application.add_handler(CommandHandler("cancel", officials.cancel, filters=private))
    application.add_handler(CommandHandler("queue", officials.queue, filters=private))
    application.add_handler(CommandHandler("waiting", officials.waiting, filters=private))
    links = DashboardHandlers(services, dashboard or LinkSettings(None, ""))
    application.add_handler(CommandHandler("dashboard", links.command, filters=private))
    application.add_handler(
        CommandHandler(list(COMMAND_ACTIONS), officials.command, filters=private)
    )
    application.add_handler(CommandHandler("extend", officials.extend, filters=private))
    views = OfficialViews(services)
    application.add_handler(CommandHandler("overdue", views.overdue, filters=private))
    application.add_handler(CommandHandler("stats", views.stats, filters=private))
    application.add_handler(CommandHandler("report", views.report, filters=private))
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.unknown_command))
    # every other text is understood before anything is filed
    new = filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(private & new & filters.TEXT, chat.text))
    media = (
        filters.PHOTO
        | filters.Document.ALL
        | filters.VOICE
        | filters.VIDEO
        | filters.AUDIO
        | filters.LOCATION
    )
    application.add_handler(MessageHandler(private & new & media, chat.media))
    application.add_handler(MessageHandler(private & new & filters.CONTACT, chat.contact))
    application.add_handler(
        MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, chat.edited)
    )
    application.add_handler(
        MessageHandler(private & new & ~filters.StatusUpdate.ALL, handlers.not_text)
    )
    application.add_error_handler(on_error)
    return application


def _menus(services: ServiceContext) -> Callable[[BotApplication], Coroutine[Any, Any, None]]:
    """The command menus: the enterprise's for everyone, and each registered official's
    role in their own chat (per-chat command scope)."""

    async def set_menus(application: BotApplication) -> None:
        bot = application.bot
        await bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS])
        for official in await list_officials(services):
            commands = official_texts.commands_for(official.role)
            try:
                await bot.set_my_commands(
                    [BotCommand(c, d) for c, d in commands],
                    scope=BotCommandScopeChat(official.telegram_id),
                )
            except TelegramError as exc:  # a chat the bot never had: the default menu stays
                log.info("no command menu for official %s: %s", official.telegram_id, exc)

    return set_menus


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Named errors become a polite Chinese answer; anything else is logged with its
    traceback and the user is told only that something went wrong."""
    error = context.error
    if isinstance(error, YousuError):
        log.info("named error for %s: %s", _who(update), error.en)
        answer = texts.error_text(error)
    else:
        log.error("unhandled error for %s", _who(update), exc_info=error)
        answer = texts.UNEXPECTED_ERROR
    if isinstance(update, Update) and update.callback_query is not None:
        with contextlib.suppress(Exception):  # stop the button's spinner, with the reason
            await update.callback_query.answer(answer[:200])
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(answer)
        except Exception:
            log.exception("could not tell %s about the error", _who(update))


def _who(update: object) -> str:
    if isinstance(update, Update) and update.effective_user is not None:
        return f"telegram:{update.effective_user.id}"
    return "?"


class BackgroundTaskEnded(RuntimeError):
    """A background task (outbox worker, sweeper, weekly summary) ended on its own: the bot
    stops rather than run half-working, and the process exits non-zero so a supervisor
    (systemd ``Restart=on-failure``) starts it again."""


async def serve(
    application: BotApplication,
    services: ServiceContext,
    owner: str,
    stop: asyncio.Event,
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]],
    *,
    long_poll: int = LONG_POLL,
    webhook: WebhookConfig | None = None,
    grace_seconds: float = DRAIN_SECONDS,
) -> None:
    """Take updates into the durable inbox (polling Telegram, or receiving them at
    ``webhook``), handle the inbox, and run each of ``background`` (a coroutine function) as a
    task until ``stop`` is set or a task ends. Then stop taking updates (the webhook server
    lets requests in flight finish), let updates in flight finish (both bounded by
    ``grace_seconds``), cancel the rest (left in the inbox) and shut the bot down. A task that
    ended before ``stop`` was set raises ``BackgroundTaskEnded`` after the shutdown."""
    ended: list[str] = []
    updates = DurableUpdates(
        application,
        services,
        owner,
        concurrent=CONCURRENT_UPDATES,
        long_poll=long_poll,
        drain_seconds=grace_seconds,
    )
    halt = asyncio.Event()  # set by stop, or by a task that ended on its own
    async with application:
        if application.post_init is not None:  # run_polling would call it; we poll by hand
            await application.post_init(application)
        await application.start()
        receiver: WebhookReceiver | None = None
        intake: asyncio.Task[Any]  # what takes updates in: the webhook server or the poller
        if webhook is not None:
            receiver = WebhookReceiver(
                webhook, application.bot, services, updates, grace_seconds=grace_seconds
            )
            try:
                await receiver.start()
            except BaseException:
                await receiver.stop()
                await application.stop()
                raise
            intake = asyncio.create_task(halt.wait(), name="telegram-webhook")
        else:
            intake = asyncio.create_task(updates.poll(halt), name="telegram-poller")
        handler = asyncio.create_task(updates.handle(halt), name="telegram-inbox")
        tasks = [
            asyncio.create_task(work(), name=getattr(work, "__name__", "background"))
            for work in background
        ]
        try:
            waiting = asyncio.create_task(stop.wait())
            await asyncio.wait(
                [waiting, intake, handler, *tasks], return_when=asyncio.FIRST_COMPLETED
            )
            waiting.cancel()
            for task in (intake, handler, *tasks):
                if task.done():
                    error = None if task.cancelled() else task.exception()
                    log.error("background task %s ended", task.get_name(), exc_info=error)
                    ended.append(task.get_name())
        finally:
            halt.set()
            if receiver is not None:
                # no new requests; those in flight are stored and answered (bounded)
                await receiver.stop()
            intake.cancel()  # an unconfirmed batch is fetched again after a restart
            # the handler drains what is in flight; bounded, then cancelled
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(handler), grace_seconds + 5)
            for task in (handler, *tasks):
                task.cancel()
            # gather, not a suppressing await: a cancellation of serve itself still propagates
            await asyncio.gather(intake, handler, *tasks, return_exceptions=True)
            await application.stop()
    if ended:
        raise BackgroundTaskEnded(", ".join(ended))
