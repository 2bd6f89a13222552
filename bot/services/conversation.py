"""Understanding a chat message before anything is filed: what it means (``knowledge.intent``)
and what to do with it, given who sent it and what of theirs is on file.

Owns the conversation's decisions, for any chat channel (Telegram today): only a clear
complaint is filed; a question is answered; a greeting is welcomed; an addition, a chase, a
status question or a verdict goes to the complaint it is about (the one replied to, the one
waiting for the enterprise's answer, or the only open one); anything unsure gets one question
back, and the text waits in the database (``ChatState``) for the answer, so a restart does not
lose it. Officials' texts never file a complaint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from bot.domain.lifecycle import PermissionDenied
from bot.domain.records import (
    Actor,
    ChatState,
    Complaint,
    Enterprise,
    EventKind,
    Status,
    reference_key,
)
from bot.ports import UnitOfWork
from bot.services.context import ServiceContext
from bot.services.intake import check_text
from bot.services.profile import PROFILE, looks_like_answer
from bot.services.steps import load_official
from knowledge.intent import (
    ABOUT_A_COMPLAINT,
    NUMBER_PATTERN,
    SOCIAL,
    MessageIntent,
    MessageKind,
)

#: an official's reply newer than this, last on an open complaint, waits for the enterprise
AWAITS_ANSWER = timedelta(days=3)
#: attachments one complaint may carry
MAX_ATTACHMENTS = 10
#: a text waiting for "提交诉求 / 只是咨询 / 补充到工单" is forgotten after this
REMEMBER_FOR = timedelta(hours=24)
#: the chat state of a text waiting for the sender's choice
WAITING_CHOICE = "waiting_choice"
#: the chat state after 回复 was pressed on an official's reply: the next text answers it
ANSWERING = "answering"
#: the chat state of attachments sent without text: the next text is their complaint
WAITING_TEXT = "waiting_text"


class Next(StrEnum):
    FILE = "file"  # file it as a new complaint
    ANSWER = "answer"  # answer it as a policy question
    #: answer it as a policy question, and ask whether it should be handled as a complaint
    #: too (a question the classifier still sees a grievance in: "…钱能退不")
    ANSWER_AND_ASK = "answer_and_ask"
    WELCOME = "welcome"  # greeting, thanks, small talk, help: the welcome and main actions
    ADD = "add"  # add it to ``number`` (补充说明 / an answer to the official)
    CHASE = "chase"  # 催办 on ``number``
    STATUS = "status"  # show ``number``, or the list when None
    RATE = "rate"  # ask whether ``number`` is solved, then for stars
    CLARIFY = "clarify"  # ask back: file / question / add to one of ``open_numbers``
    OFFICIAL = "official"  # an official's text that no action waits for
    PROFILE = "profile"  # the answer to the profile question asked (bot.services.profile)


#: outcomes that leave the text waiting for the sender's choice (a button)
WAITS_FOR_CHOICE = (Next.CLARIFY, Next.ANSWER, Next.ANSWER_AND_ASK)


@dataclass(frozen=True, slots=True)
class Understanding:
    next: Next
    intent: MessageIntent
    number: str | None = None
    #: the sender's open complaints, newest first (for the clarifying question's buttons)
    open_numbers: tuple[str, ...] = ()
    #: attachments sent earlier without text, which this text describes
    attachments: tuple[str, ...] = ()


async def understand(
    ctx: ServiceContext, actor: Actor, text: str, replying_to: str | None = None
) -> Understanding:
    """What to do with ``text`` from ``actor``. ``replying_to`` is the complaint number of the
    message it replies to, if any. A text that needs the sender's choice is remembered."""
    text = check_text(text)  # empty or too long: a clear error before anything else
    intent = ctx.classify(text)
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        if await _is_official(uow, actor):
            return Understanding(Next.OFFICIAL, intent)
        enterprise = await uow.enterprises.find(actor)
        mine = await _open_complaints(uow, enterprise)
        state = await uow.chat_states.get(actor)
        if state is not None and now - state.updated_at > REMEMBER_FOR:
            state = None
        attachments: tuple[str, ...] = ()
        if state is not None and state.state == PROFILE:
            if looks_like_answer(str(state.data.get("step")), text):
                return Understanding(Next.PROFILE, intent)
            await uow.chat_states.clear(actor)  # a new matter: the profile can wait
            await uow.commit()
            state = None
        if state is not None and state.state == ANSWERING:
            replying_to = replying_to or str(state.data.get("number") or "") or None
        if state is not None and state.state == WAITING_TEXT:
            attachments = tuple(str(a) for a in state.data.get("attachments", ()))
        decided = await _decide(ctx, uow, intent, text, mine, replying_to, enterprise is not None)
        if attachments and decided.next in (*WAITS_FOR_CHOICE, Next.WELCOME):
            # the text describes the photos sent before it: a complaint, not a question
            decided = Understanding(Next.FILE, intent, None, decided.open_numbers)
        decided = replace(decided, attachments=attachments)
        if decided.next in WAITS_FOR_CHOICE:  # the choice may come later
            await uow.chat_states.put(
                ChatState(actor.channel, actor.external_id, WAITING_CHOICE, {"text": text}, now)
            )
        elif state is not None:
            await uow.chat_states.clear(actor)
        await uow.commit()
    return decided


async def expect_answer(ctx: ServiceContext, actor: Actor, number: str) -> None:
    """The sender pressed 回复 on an official's reply: their next text joins ``number``."""
    await _put(ctx, actor, ANSWERING, {"number": number})


async def hold_attachments(ctx: ServiceContext, actor: Actor, attachments: Sequence[str]) -> None:
    """Attachments came without text: keep them for the complaint the next text describes
    (added to any held already)."""
    async with ctx.uow_factory() as uow:
        state = await uow.chat_states.get(actor)
        held: list[str] = []
        if state is not None and state.state == WAITING_TEXT:
            held = [str(a) for a in state.data.get("attachments", ())]
        held += [a for a in attachments if a not in held]
        await uow.chat_states.put(
            ChatState(
                actor.channel,
                actor.external_id,
                WAITING_TEXT,
                {"attachments": held[:MAX_ATTACHMENTS]},
                ctx.clock.now(),
            )
        )
        await uow.commit()


async def _put(ctx: ServiceContext, actor: Actor, state: str, data: dict[str, object]) -> None:
    async with ctx.uow_factory() as uow:
        await uow.chat_states.put(
            ChatState(actor.channel, actor.external_id, state, dict(data), ctx.clock.now())
        )
        await uow.commit()


async def _decide(
    ctx: ServiceContext,
    uow: UnitOfWork,
    intent: MessageIntent,
    text: str,
    mine: list[Complaint],
    replying_to: str | None,
    known: bool = True,
) -> Understanding:
    """``known``: the sender has filed here before (an enterprise on record)."""
    numbers = tuple(c.number for c in mine)
    kind = intent.kind
    named = _named_number(text, numbers)
    if replying_to is not None and replying_to in numbers:
        target = next(c for c in mine if c.number == replying_to)
        if kind == MessageKind.VERDICT and target.status == Status.RESOLVED:
            return Understanding(Next.RATE, intent, replying_to, numbers)
        if kind == MessageKind.CHASE:
            return Understanding(Next.CHASE, intent, replying_to, numbers)
        if kind == MessageKind.STATUS:
            return Understanding(Next.STATUS, intent, replying_to, numbers)
        return Understanding(Next.ADD, intent, replying_to, numbers)
    if kind in SOCIAL and intent.confident:
        return Understanding(Next.WELCOME, intent, None, numbers)
    if kind == MessageKind.COMPLAINT and intent.confident:
        return Understanding(Next.FILE, intent, None, numbers)
    if kind == MessageKind.QUESTION and intent.confident:
        answer = Next.ANSWER_AND_ASK if intent.may_be_complaint else Next.ANSWER
        return Understanding(answer, intent, None, numbers)
    waiting = await _awaiting_answer(ctx, uow, mine)
    if kind in ABOUT_A_COMPLAINT and intent.confident:
        if kind == MessageKind.VERDICT:
            resolved = [c for c in mine if c.status == Status.RESOLVED]
            target_number = named or (resolved[0].number if resolved else None)
            if target_number is not None:
                return Understanding(Next.RATE, intent, target_number, numbers)
            return Understanding(Next.WELCOME, intent, None, numbers)
        if kind == MessageKind.STATUS and not known:
            # nothing was ever filed here: it was told by phone or elsewhere ("上个月打
            # 12345反映的事，到现在没人联系我"); offer to file it rather than list nothing
            return Understanding(Next.CLARIFY, intent, None, numbers)
        if kind == MessageKind.STATUS:
            only = numbers[0] if len(numbers) == 1 else None
            return Understanding(Next.STATUS, intent, named or only, numbers)
        target_number = named or waiting or (numbers[0] if len(numbers) == 1 else None)
        if target_number is not None:
            chase = kind == MessageKind.CHASE
            return Understanding(Next.CHASE if chase else Next.ADD, intent, target_number, numbers)
    elif waiting is not None and kind != MessageKind.COMPLAINT:
        # unsure, while an official waits for this enterprise's answer: it is the answer
        return Understanding(Next.ADD, intent, waiting, numbers)
    return Understanding(Next.CLARIFY, intent, None, numbers)


async def remembered_text(ctx: ServiceContext, actor: Actor) -> str | None:
    """The text that waits for the sender's choice (taken: asked once), or None when there
    is none or it is too old."""
    data = await take_waiting(ctx, actor, WAITING_CHOICE)
    text = None if data is None else data.get("text")
    return text if isinstance(text, str) else None


async def _is_official(uow: UnitOfWork, actor: Actor) -> bool:
    if actor.channel != "telegram":
        return False
    try:
        await load_official(uow, actor)
    except PermissionDenied:
        return False
    return True


async def _open_complaints(uow: UnitOfWork, enterprise: Enterprise | None) -> list[Complaint]:
    if enterprise is None or enterprise.id is None:
        return []
    complaints = await uow.complaints.for_enterprise(enterprise.id, 20)
    return [c for c in complaints if c.status.is_open and c.status != Status.MERGED]


async def _awaiting_answer(
    ctx: ServiceContext, uow: UnitOfWork, mine: list[Complaint]
) -> str | None:
    """The open complaint whose last step is an official's recent reply (newest first)."""
    now = ctx.clock.now()
    for complaint in mine:
        if complaint.status != Status.IN_PROGRESS or complaint.id is None:
            continue
        events = await uow.events.for_complaint(complaint.id)
        steps = [e for e in events if e.kind not in (EventKind.CLOCK_WARNED,)]
        if steps and steps[-1].kind == EventKind.REPLIED and now - steps[-1].at < AWAITS_ANSWER:
            return complaint.number
    return None


def _named_number(text: str, numbers: tuple[str, ...]) -> str | None:
    found = NUMBER_PATTERN.search(text)
    return found.group(1) if found and found.group(1) in numbers else None


#: the chat state of an official's action (回复, 办结, 转派, ...) waiting for its text
OFFICIAL_ACTION = "official_action"


async def await_text(
    ctx: ServiceContext, actor: Actor, state: str, data: dict[str, object]
) -> None:
    """Remember that ``actor``'s next text completes ``state`` (e.g. an official's action
    started by a button), replacing whatever waited before."""
    await _put(ctx, actor, state, data)


async def take_waiting(ctx: ServiceContext, actor: Actor, state: str) -> dict[str, object] | None:
    """What ``actor``'s text completes, if it is ``state`` and not older than a day; taken."""
    async with ctx.uow_factory() as uow:
        found = await uow.chat_states.get(actor)
        if found is None or found.state != state:
            return None
        await uow.chat_states.clear(actor)
        await uow.commit()
    if ctx.clock.now() - found.updated_at > REMEMBER_FOR:
        return None
    return dict(found.data)


async def filed_from(ctx: ServiceContext, actor: Actor, reference: str) -> str | None:
    """The number of the complaint ``actor`` filed with ``reference`` (a chat message), if
    any: an edited message is added to it instead of being filed again."""
    async with ctx.uow_factory() as uow:
        key = reference_key(actor, reference)
        found = (await uow.complaints.by_refs([key])).get(key)
    return None if found is None else found.number
