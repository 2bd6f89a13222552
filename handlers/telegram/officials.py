"""The officials' side of the bot: inline buttons on their notifications and the commands
that do the same without buttons (/queue, /waiting, /signoff, /reply, /resolve, /transfer,
/return, /dispatch, /void, /supervise, /extend), plus /cancel.

Owns translating officials' updates into the handling use cases. 签收, 查看 (a digest's
order), 派至 (a dispatcher's candidate unit) and 批准延期 act at once; 回复, 办结, 转派, 退单,
派单 (其他单位), 督办 and 驳回 need text, so their button first asks the services whether the
person may take the action now, then leaves a pending action for that user (kept in the
database, so a restart in between loses nothing) and the user's next plain text completes it;
/cancel drops it. A text the action cannot take (an unknown unit) leaves it waiting. Officials
are known by their Telegram id (``Actor("telegram", user id)``); whether someone may act is the
services' decision, and named errors go to the application's error handler like everywhere
else.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.domain.lifecycle import Action
from bot.domain.records import Actor
from bot.errors import InvalidInput
from bot.services import conversation, handling, queries, roles
from bot.services.context import ServiceContext
from bot.services.handling import Outcome
from handlers.telegram import keyboards, official_texts, texts
from handlers.telegram.enterprise import command_words, sender
from handlers.telegram.keyboards import (
    DISPATCH,
    DISPATCH_TO,
    EXTEND_APPROVE,
    EXTEND_REFUSE,
    REPLY,
    RESOLVE,
    RETURN,
    SIGN_OFF,
    SUPERVISE,
    TRANSFER,
    VIEW,
    VOID,
)
from knowledge.units import UnknownUnit

#: Telegram shows at most 200 characters in a callback query's answer
MAX_ANSWER = 200
#: command name -> the action it performs
COMMAND_ACTIONS = {
    "signoff": SIGN_OFF,
    "reply": REPLY,
    "resolve": RESOLVE,
    "transfer": TRANSFER,
    "return": RETURN,
    "dispatch": DISPATCH,
    "void": VOID,
    "supervise": SUPERVISE,
}


@dataclass(frozen=True, slots=True)
class Pending:
    """An action a button started that waits for the user's text."""

    action: str
    number: str
    chat_id: int | None = None
    message_id: int | None = None  # the notification whose buttons go once it is done


class OfficialHandlers:
    def __init__(self, services: ServiceContext) -> None:
        self._services = services
        self._title = texts.milestone_titles(services.sla)

    async def _remember(self, actor: Actor, pending: Pending) -> None:
        await conversation.await_text(
            self._services,
            actor,
            conversation.OFFICIAL_ACTION,
            {
                "action": pending.action,
                "number": pending.number,
                "chat_id": pending.chat_id,
                "message_id": pending.message_id,
            },
        )

    async def _take(self, actor: Actor) -> Pending | None:
        data = await conversation.take_waiting(self._services, actor, conversation.OFFICIAL_ACTION)
        if data is None:
            return None
        chat_id, message_id = data.get("chat_id"), data.get("message_id")
        return Pending(
            str(data.get("action")),
            str(data.get("number")),
            chat_id if isinstance(chat_id, int) else None,
            message_id if isinstance(message_id, int) else None,
        )

    async def act(self, actor: Actor, action: str, number: str, text: str) -> Outcome:
        """The one use case an action stands for; ``text`` is the reply, summary, reason,
        "单位 理由" (转派) or unit (派单)."""
        ctx = self._services
        if action == SIGN_OFF:
            return await handling.sign_off(ctx, actor, number)
        if action == REPLY:
            return await handling.reply(ctx, actor, number, text)
        if action == RESOLVE:
            return await handling.resolve(ctx, actor, number, text)
        if action == RETURN:
            return await handling.return_complaint(ctx, actor, number, text)
        if action == DISPATCH:
            return await handling.dispatch(ctx, actor, number, text.strip())
        if action == VOID:
            return await handling.void(ctx, actor, number, text)
        if action == SUPERVISE:
            return await handling.supervise(ctx, actor, number, text)
        unit, _sep, reason = text.strip().partition(" ")
        return await handling.transfer(ctx, actor, number, unit, reason)

    # --- buttons -----------------------------------------------------------------------------

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, actor, user = update.callback_query, sender(update), update.effective_user
        if query is None or actor is None or user is None:
            return
        parsed = keyboards.parse(query.data)
        if parsed is None:
            await query.answer()
            return
        action, number = parsed
        message = update.effective_message
        if action == EXTEND_APPROVE:
            decided = await handling.decide_extension(
                self._services, actor, _request_id(number), True
            )
            done = texts.done(action, decided.number, None)
            await query.answer(done[:MAX_ANSWER])
            with contextlib.suppress(TelegramError):  # decided: its buttons would only fail
                await query.edit_message_reply_markup(None)
            await context.bot.send_message(user.id, done)
            return
        if action == EXTEND_REFUSE:
            await self._remember(
                actor,
                Pending(
                    action,
                    str(_request_id(number)),
                    message.chat_id if message else None,
                    message.message_id if message else None,
                ),
            )
            await query.answer()
            await context.bot.send_message(user.id, texts.prompt(action, number))
            return
        if action == SIGN_OFF:
            outcome = await self.act(actor, action, number, "")
            done = texts.done(action, outcome.number, outcome.lead_unit)
            await query.answer(done[:MAX_ANSWER])
            role = await roles.role_of(self._services, actor)
            allowed = None if role is None else roles.card_actions(role)
            with contextlib.suppress(TelegramError):  # the buttons are a convenience
                await query.edit_message_reply_markup(
                    keyboards.handling(outcome.number, signed_off=True, actions=allowed)
                )
            await context.bot.send_message(user.id, done)
            return
        if action == VIEW:
            view = await queries.complaint_status(self._services, actor, number)
            await query.answer()
            await context.bot.send_message(
                user.id, texts.complaint_status(view, self._services.zone, self._title)
            )
            return
        if action == DISPATCH_TO:
            number, _sep, unit = number.partition(":")
            outcome = await handling.dispatch(self._services, actor, number, unit)
            done = texts.done(DISPATCH, outcome.number, outcome.lead_unit)
            await query.answer(done[:MAX_ANSWER])
            with contextlib.suppress(TelegramError):  # dispatched: its buttons would only fail
                await query.edit_message_reply_markup(None)
            await context.bot.send_message(user.id, done)
            return
        # may this person take this action on it now? asked before asking for the text
        number = await handling.check_allowed(
            self._services, actor, number, Action(keyboards.ACTIONS[action])
        )
        await self._remember(
            actor,
            Pending(
                action,
                number,
                # a digest's buttons stand for many orders: they stay after one is done
                message.chat_id if message and action != SUPERVISE else None,
                message.message_id if message and action != SUPERVISE else None,
            ),
        )
        await query.answer()
        await context.bot.send_message(user.id, texts.prompt(action, number))

    async def pending_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """Complete the action a button started with this text; False when none waits (kept
        in the database, so a restart in between loses nothing)."""
        message, actor, user = update.effective_message, sender(update), update.effective_user
        if message is None or actor is None or user is None:
            return False
        pending = await self._take(actor)
        if pending is None:
            return False
        if pending.action == EXTEND_REFUSE:
            decided = await handling.decide_extension(
                self._services, actor, _request_id(pending.number), False, message.text or ""
            )
            await message.reply_text(texts.done(pending.action, decided.number, None))
        else:
            try:
                outcome = await self.act(actor, pending.action, pending.number, message.text or "")
            except (InvalidInput, UnknownUnit):
                # a text it cannot take (an unknown unit: the closest names are in the
                # error): the action still waits, so the next text can put it right
                await self._remember(actor, pending)
                raise
            await message.reply_text(texts.done(pending.action, outcome.number, outcome.lead_unit))
        if pending.action != REPLY and pending.message_id is not None:
            with contextlib.suppress(TelegramError):  # done: its buttons would only fail now
                await context.bot.edit_message_reply_markup(
                    pending.chat_id, pending.message_id, reply_markup=None
                )
        return True

    async def cancel(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        actor = sender(update)
        pending = None if actor is None else await self._take(actor)
        await message.reply_text(texts.CANCELLED if pending else texts.NOTHING_TO_CANCEL)

    # --- commands ----------------------------------------------------------------------------

    async def command(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """/signoff, /reply, /resolve, /transfer, /return, /dispatch: ``/name 编号 [text]``."""
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None or not message.text:
            return
        name = message.text.split(maxsplit=1)[0].lstrip("/").split("@")[0].lower()
        action = COMMAND_ACTIONS[name]
        role = await roles.role_of(self._services, actor)
        if role is not None and Action(keyboards.ACTIONS[action]) not in roles.permitted(role):
            # not the role's command: say so, with what the role can do
            await message.reply_text(official_texts.not_for_role(name, role))
            return
        words = command_words(message.text, 2)
        if not words or (action != SIGN_OFF and len(words) < 2):
            usage = official_texts.SUPERVISE_USAGE if action == SUPERVISE else None
            await message.reply_text(usage or texts.OFFICIAL_USAGE[name])
            return
        outcome = await self.act(actor, action, words[0], words[1] if len(words) > 1 else "")
        await message.reply_text(texts.done(action, outcome.number, outcome.lead_unit))

    async def extend(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """/extend 编号 天数 理由: an extension request, for a supervisor to decide."""
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None or not message.text:
            return
        words = command_words(message.text, 3)
        if len(words) < 3 or not words[1].isdecimal():
            await message.reply_text(official_texts.EXTEND_USAGE)
            return
        result = await handling.request_extension(
            self._services, actor, words[0], words[2], days=int(words[1])
        )
        await message.reply_text(
            official_texts.extension_requested(result.number, result.request_id, int(words[1]))
        )

    async def queue(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        complaints = await queries.unit_queue(self._services, actor)
        await message.reply_text(texts.queue(complaints, self._services.zone))

    async def waiting(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        complaints = await queries.dispatcher_queue(self._services, actor)
        await message.reply_text(
            texts.queue(complaints, self._services.zone, texts.EMPTY_DISPATCH_QUEUE)
        )


def _request_id(text: str) -> int:
    if not text.strip().isdecimal():
        raise InvalidInput("延期申请编号应为数字", f"not an extension request id: {text!r}")
    return int(text)
