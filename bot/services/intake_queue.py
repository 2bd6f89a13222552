"""Group commit for complaint intake: complaints arriving together are stored together.

Owns batching. A rush (a hotline platform filing its backlog, many enterprises writing after
a power cut) arrives as many concurrent ``submit`` calls; while one batch is being written,
the next ones queue, and are then taken in one transaction by ``submit_complaints``, whose
cost barely grows with the batch. A caller still gets its own acknowledgement or its own error:

- bad text is refused at once, before queueing, and only for that caller;
- if a batch fails for a reason that is not the database being unavailable (a bug set off by
  one complaint), its complaints are retried one by one, so one bad complaint cannot take
  the others down with it; when the database is unavailable every caller of the batch is told;
- if the writer is cancelled (shutdown), every caller still waiting is told
  (``DatabaseUnavailable``): nobody waits for an answer that will not come.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from bot.ports import DatabaseUnavailable
from bot.services.context import ServiceContext
from bot.services.intake import Acknowledgement, Submission, check_text, submit_complaints

log = logging.getLogger(__name__)

#: the most complaints written in one transaction (a few hundred rows of each kind)
MAX_BATCH = 200

_Waiting = tuple[Submission, "asyncio.Future[Acknowledgement]"]


class IntakeQueue:
    """``await queue.submit(submission)`` from any number of coroutines at once."""

    def __init__(self, ctx: ServiceContext, max_batch: int = MAX_BATCH) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._ctx = ctx
        self._max_batch = max_batch
        self._waiting: deque[_Waiting] = deque()
        self._writer: asyncio.Task[None] | None = None
        #: how many transactions were written, for the benchmark and tests
        self.batches = 0

    async def submit(self, submission: Submission) -> Acknowledgement:
        check_text(submission.text)  # refuse bad text now, for this caller alone
        future: asyncio.Future[Acknowledgement] = asyncio.get_running_loop().create_future()
        self._waiting.append((submission, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
            self._writer.add_done_callback(self._writer_ended)
        # the write goes on if this caller gives up: the others of its batch still need it
        return await asyncio.shield(future)

    async def _write_all(self) -> None:
        batch: list[_Waiting] = []
        try:
            while self._waiting:
                size = min(len(self._waiting), self._max_batch)
                batch = [self._waiting.popleft() for _ in range(size)]
                await self._write(batch)
        except BaseException as exc:
            # cancelled (shutdown) or worse: the transaction was rolled back, and nobody may
            # be left waiting for an answer that will never come
            stopped = DatabaseUnavailable(f"intake stopped: {type(exc).__name__}")
            for _, future in batch:
                _fail(future, stopped)
            while self._waiting:
                _fail(self._waiting.popleft()[1], stopped)
            raise

    def _writer_ended(self, writer: asyncio.Task[None]) -> None:
        """A writer cancelled before it began leaves its callers queued: tell them."""
        if writer.cancelled() or writer.exception() is not None:
            stopped = DatabaseUnavailable("intake stopped")
            while self._waiting:
                _fail(self._waiting.popleft()[1], stopped)

    async def _write(self, batch: list[_Waiting]) -> None:
        self.batches += 1
        try:
            acknowledgements = await submit_complaints(self._ctx, [s for s, _ in batch])
        except DatabaseUnavailable as exc:
            for _, future in batch:
                _fail(future, exc)
            return
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch[0][1], exc)
                return
            log.warning("intake batch of %d failed (%r); retrying one by one", len(batch), exc)
            for waiting in batch:
                await self._write([waiting])
            return
        for (_, future), acknowledgement in zip(batch, acknowledgements, strict=True):
            if not future.done():
                future.set_result(acknowledgement)


def _fail(future: asyncio.Future[Acknowledgement], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
