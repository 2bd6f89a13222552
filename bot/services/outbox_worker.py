"""Delivering the outbox: claims due messages with a lease, hands each to the notifier of its
channel, and records the result.

Owns retries. A retryable failure is tried again after 5 s, 10 s, 20 s, ... (doubling, at most
an hour apart) and given up after ``MAX_ATTEMPTS``; a permanent failure (the user blocked the
bot, a channel nobody delivers) is given up at once. Delivery is at-least-once: a crash between
sending and recording the send repeats that one message after the lease expires; the dedupe
key at enqueue time keeps everything else from being sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.ports import DeliveryFailed, Notifier
from bot.services.context import ServiceContext

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=1)
LEASE_SECONDS = 60.0
BATCH = 50


def retry_delay(attempts: int) -> timedelta:
    """Delay after the ``attempts``-th failed attempt (1: 5 s, 2: 10 s, ...)."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(FIRST_RETRY * factor, LONGEST_RETRY)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    sent: int
    retried: int
    failed: int


async def deliver_due(
    ctx: ServiceContext,
    notifiers: Mapping[str, Notifier],
    owner: str,
    lease_seconds: float = LEASE_SECONDS,
    batch: int = BATCH,
) -> DeliveryResult:
    async with ctx.uow_factory() as uow:
        # only what this worker can deliver: another process may deliver other channels
        # (``yousu run`` Telegram, ``yousu serve`` the platform's callbacks)
        messages = await uow.outbox.claim(
            ctx.clock.now(), owner, lease_seconds, batch, channels=tuple(notifiers)
        )
        await uow.commit()  # the lease is ours before anything is sent
    sent = retried = failed = 0
    for message in messages:
        notifier = notifiers.get(message.channel)
        message.attempts += 1
        try:
            if notifier is None:
                raise DeliveryFailed(f"no notifier for channel {message.channel}", retryable=False)
            await notifier.deliver(message)
        except DeliveryFailed as exc:
            message.last_error = exc.en[:500]
            now = ctx.clock.now()
            if exc.retryable and message.attempts < MAX_ATTEMPTS:
                delay = retry_delay(message.attempts)
                if exc.retry_after is not None:  # never sooner than the channel allows
                    delay = max(delay, timedelta(seconds=exc.retry_after))
                message.next_attempt_at = now + delay
                retried += 1
            else:
                message.failed_at = now
                failed += 1
                log.warning("gave up message %s (%s): %s", message.id, message.kind, exc.en)
        else:
            message.sent_at = ctx.clock.now()
            sent += 1
        async with ctx.uow_factory() as uow:
            await uow.outbox.save(message)
            await uow.commit()
    return DeliveryResult(sent, retried, failed)


async def run_forever(
    ctx: ServiceContext, notifiers: Mapping[str, Notifier], owner: str, interval: float = 1.0
) -> None:
    while True:
        try:
            result = await deliver_due(ctx, notifiers, owner)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox delivery failed; retrying in %.0f s", interval)
            result = DeliveryResult(0, 0, 0)
        if result.sent + result.retried + result.failed == 0:
            await asyncio.sleep(interval)


async def load_file(ctx: ServiceContext, key: str) -> tuple[str, bytes] | None:
    """The name and content of a file an outbox message sends (by its key), for notifiers."""
    async with ctx.uow_factory() as uow:
        return await uow.outbox_files.get(key)
