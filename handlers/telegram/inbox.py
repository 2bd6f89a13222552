"""Telegram updates through the durable inbox: nothing received is lost on a crash.

python-telegram-bot's own poller confirms a batch of updates to Telegram when it asks for the
next one, before the batch is handled: a crash in between loses them. Here the poller stores
each batch in the database (``bot.services.inbox``) *before* the next ``getUpdates`` confirms
it, and a handler loop claims stored updates with a lease and feeds them to the application.
A restart (or another instance, once the lease expires) handles what was not finished; a
redelivered update is stored once, and a complaint filed from it carries its update id as
reference, so it is filed once.

Among several instances on one database exactly one polls (a named lock it renews; the others
wait and take over when it stops renewing); every instance handles stored updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.error import Conflict, TelegramError

from bot.domain.records import InboxUpdate
from bot.owners import crashed_on_this_host
from bot.ports import DatabaseUnavailable
from bot.services import inbox
from bot.services.context import ServiceContext

log = logging.getLogger(__name__)

CHANNEL = "telegram"
POLLER_LOCK = "telegram-poller"
#: the poller renews its lock before every getUpdates; another instance takes over after this
LOCK_SECONDS = 30.0
#: seconds a getUpdates call is held open by Telegram (long polling)
LONG_POLL = 10
#: how long to wait after a failure (Telegram or the database) before trying again
RETRY_SECONDS = 2.0
#: how often the handler loop looks for updates stored by another instance
IDLE_SECONDS = 0.5
#: how long a stop waits for updates being handled before cancelling them (the default of
#: the SHUTDOWN_GRACE_SECONDS setting)
DRAIN_SECONDS = 10.0
#: purge handled updates every this many idle rounds
PURGE_EVERY = 2000

Application = Any  # telegram.ext.Application, generic in six parameters


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _sender_of(payload: dict[str, Any]) -> object:
    """Who sent an update (the user of a message, an edit or a button press), for ordering."""
    for key in ("message", "edited_message", "callback_query"):
        part = payload.get(key)
        if isinstance(part, dict):
            sender = part.get("from")
            if isinstance(sender, dict) and "id" in sender:
                return sender["id"]
    return payload.get("update_id")  # anything else: not ordered with others


class DurableUpdates:
    """The poller and the handler loop of one instance (run both as tasks)."""

    def __init__(
        self,
        application: Application,
        services: ServiceContext,
        owner: str,
        *,
        concurrent: int,
        long_poll: int = LONG_POLL,
        lease_seconds: float = inbox.LEASE_SECONDS,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self._application = application
        self._services = services
        self._owner = owner
        self._concurrent = concurrent
        self._long_poll = long_poll
        self._lease_seconds = lease_seconds
        self._drain_seconds = drain_seconds
        self._wake = asyncio.Event()
        self._recovered = asyncio.Event()
        self._told_waiting = False
        #: per sender: the lock that orders their updates, and how many wait on it
        self._by_sender: dict[object, tuple[asyncio.Lock, int]] = {}
        self._in_flight: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        """Something was stored by this instance (the webhook): look for it now."""
        self._wake.set()

    # --- polling ----------------------------------------------------------------------------

    async def poll(self, stop: asyncio.Event) -> None:
        """Fetch, store, then confirm (the next call's offset) while holding the lock."""
        offset: int | None = None
        holding = False
        await self._recovered.wait()  # a crashed poller's lock is freed first
        try:
            while not stop.is_set():
                try:
                    was_holding = holding
                    holding = await inbox.hold_lock(
                        self._services, POLLER_LOCK, self._owner, LOCK_SECONDS
                    )
                except DatabaseUnavailable as exc:
                    log.warning("cannot renew the poller lock: %s", exc.en)
                    holding = False
                    await _sleep_or_stop(stop, RETRY_SECONDS)
                    continue
                if not holding:
                    if was_holding or not self._told_waiting:
                        log.warning(
                            "another instance polls Telegram; %s handles stored updates and "
                            "takes over polling if that one stops",
                            self._owner,
                        )
                        self._told_waiting = True
                    offset = None  # on taking over, start from what Telegram has unconfirmed
                    await _sleep_or_stop(stop, LOCK_SECONDS / 3)
                    continue
                if not was_holding:
                    log.info("polling Telegram (%s holds the poller lock)", self._owner)
                    await self._application.bot.delete_webhook()
                offset = await self._poll_once(offset, stop)
        finally:
            if holding:
                with contextlib.suppress(Exception):
                    await inbox.release_lock(self._services, POLLER_LOCK, self._owner)

    async def _poll_once(self, offset: int | None, stop: asyncio.Event) -> int | None:
        try:
            updates = await self._application.bot.get_updates(
                offset=offset, timeout=self._long_poll, allowed_updates=Update.ALL_TYPES
            )
        except Conflict as exc:
            # another program polls with this token without sharing our database's lock
            log.error(
                "Telegram 拒绝轮询（409）：另一个程序正在用同一个机器人令牌轮询或设置了 webhook。"
                "请只运行一套 yousu（多实例请共用同一个数据库）。/ getUpdates conflict: %s",
                exc,
            )
            await _sleep_or_stop(stop, LOCK_SECONDS)
            return offset
        except TelegramError as exc:
            log.warning("getUpdates failed: %s", exc)
            await _sleep_or_stop(stop, RETRY_SECONDS)
            return offset
        if not updates:
            return offset
        try:
            stored = await inbox.store_updates(
                self._services, CHANNEL, [(u.update_id, u.to_dict()) for u in updates]
            )
        except DatabaseUnavailable as exc:
            # not confirmed: Telegram gives them to us again once the database is back
            log.warning("cannot store %d updates: %s", len(updates), exc.en)
            await _sleep_or_stop(stop, RETRY_SECONDS)
            return offset
        log.debug("stored %d of %d updates", stored, len(updates))
        self._wake.set()
        return int(max(u.update_id for u in updates)) + 1

    # --- handling ---------------------------------------------------------------------------

    async def handle(self, stop: asyncio.Event) -> None:
        """Claim stored updates and handle them, up to ``concurrent`` at once, until ``stop``;
        then let those in flight finish (at most ``drain_seconds``); the rest stay in the inbox."""
        idle_rounds = 0
        try:
            try:
                with contextlib.suppress(DatabaseUnavailable):  # else the leases just expire
                    await inbox.recover_from_crashed(
                        self._services, [POLLER_LOCK], crashed_on_this_host
                    )
            finally:
                self._recovered.set()
            while not stop.is_set():
                free = self._concurrent - len(self._in_flight)
                claimed: list[InboxUpdate] = []
                if free > 0:
                    try:
                        claimed = await inbox.claim_updates(
                            self._services, self._owner, free, self._lease_seconds
                        )
                    except DatabaseUnavailable as exc:
                        log.warning("cannot claim updates: %s", exc.en)
                        await _sleep_or_stop(stop, RETRY_SECONDS)
                        continue
                for item in claimed:
                    task = asyncio.create_task(self._handle_one(item))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
                if claimed and len(claimed) == free:
                    await asyncio.sleep(0)  # let them run before claiming more
                    continue
                idle_rounds += 1
                if idle_rounds % PURGE_EVERY == 0:
                    with contextlib.suppress(DatabaseUnavailable):
                        await inbox.forget_old_updates(self._services)
                self._wake.clear()
                await self._wait_for_work(stop)
        finally:
            await self._drain()

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        waiters = [
            asyncio.create_task(self._wake.wait()),
            asyncio.create_task(stop.wait()),
        ]
        try:
            busy = self._concurrent - len(self._in_flight) <= 0
            pending = [*waiters, *self._in_flight] if busy else waiters
            await asyncio.wait(pending, timeout=IDLE_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _handle_one(self, item: InboxUpdate) -> None:
        # one person's updates one after the other, in the order sent (a photo then its
        # text; a text then the button under its answer); different people at once
        sender = _sender_of(item.payload)
        lock, users = self._by_sender.get(sender, (asyncio.Lock(), 0))
        self._by_sender[sender] = (lock, users + 1)
        try:
            async with lock:
                await self._handle_locked(item)
        finally:
            lock, users = self._by_sender[sender]
            if users == 1:
                del self._by_sender[sender]
            else:
                self._by_sender[sender] = (lock, users - 1)

    async def _handle_locked(self, item: InboxUpdate) -> None:
        try:
            update = Update.de_json(item.payload, self._application.bot)
            # handler errors reach the application's error handler, which answers the user
            await self._application.process_update(update)
        except Exception as exc:  # a malformed stored update: retrying will not help
            log.exception("cannot handle %s update %s", item.channel, item.update_id)
            with contextlib.suppress(DatabaseUnavailable):
                await inbox.finish_update(self._services, item, error=repr(exc))
            return
        try:
            await inbox.finish_update(self._services, item)
        except DatabaseUnavailable as exc:
            # handled but not marked: the lease expires and it is handled again, which
            # files nothing twice (the update id is the complaint's reference)
            log.warning("update %s handled but not marked: %s", item.update_id, exc.en)

    async def _drain(self) -> None:
        if not self._in_flight:
            return
        _done, pending = await asyncio.wait(list(self._in_flight), timeout=self._drain_seconds)
        for task in pending:  # left leased: handled again after a restart
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
