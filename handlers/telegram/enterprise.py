"""The enterprise's side of the bot: /start, a complaint as plain text, /status, /mine, and
after filing /followup (补充说明), /chase (催办) and /rate (评价).

Owns translating Telegram updates into calls of the use cases and their results into text.
Each callback reads the update, calls one service with plain values (the sender becomes
``Actor("telegram", user id)``), and replies with a text from ``texts``. Named errors are not
caught here: they propagate to the application's error handler (``application.py``), which
answers politely in Chinese.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.domain.records import Actor
from bot.services import enterprise, policy, queries, roles
from bot.services.context import ServiceContext
from bot.services.intake import Submission
from bot.services.intake_queue import IntakeQueue
from handlers.telegram import texts
from handlers.telegram.official_texts import role_help


def sender(update: Update) -> Actor | None:
    user = update.effective_user
    return None if user is None else Actor("telegram", str(user.id))


class EnterpriseHandlers:
    """Callbacks bound to one process's services and intake queue."""

    def __init__(self, services: ServiceContext, intake: IntakeQueue) -> None:
        self._services = services
        self._intake = intake
        self._title = texts.milestone_titles(services.sla)

    async def _official_help(self, update: Update) -> str | None:
        """The help of the sender's role when the sender is an official, else None."""
        actor = sender(update)
        role = None if actor is None else await roles.role_of(self._services, actor)
        return None if role is None else role_help(role)

    async def start(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            official = await self._official_help(update)
            await update.effective_message.reply_text(official or texts.WELCOME)

    async def complaint(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None or message.text is None:
            return
        # the update id is the reference: a redelivered update files nothing twice
        ack = await self._intake.submit(
            Submission(actor, message.text, external_ref=update_reference(update))
        )
        await message.reply_text(texts.acknowledgement(ack, self._services.zone, self._title))

    async def ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        question = " ".join(context.args or ())
        if not question.strip():
            await message.reply_text(texts.ASK_USAGE)
            return
        answer = policy.answer_question(self._services, question)
        await message.reply_text(texts.policy_answer(answer))

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        number = "".join(context.args or ())
        if not number:
            await message.reply_text(texts.STATUS_USAGE)
            return
        view = await queries.complaint_status(self._services, actor, number)
        await message.reply_text(texts.complaint_status(view, self._services.zone, self._title))

    async def mine(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        complaints = await queries.my_complaints(self._services, actor, limit=10)
        await message.reply_text(texts.my_complaints(complaints, self._services.zone))

    async def follow_up(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        words = command_words(message.text, 2)
        if len(words) < 2:
            await message.reply_text(texts.FOLLOW_UP_USAGE)
            return
        outcome = await enterprise.follow_up(self._services, actor, words[0], words[1])
        await message.reply_text(texts.followed_up(outcome.number))

    async def chase(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        words = command_words(message.text, 2)
        if not words:
            await message.reply_text(texts.CHASE_USAGE)
            return
        note = words[1] if len(words) > 1 else ""
        outcome = await enterprise.chase(self._services, actor, words[0], note)
        await message.reply_text(texts.chased(outcome.number))

    async def rate(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """/rate 编号 分数 [已解决|未解决] [评价]; solved unless it says otherwise."""
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        words = command_words(message.text, 3)
        # decimal digits only (full-width ones too): "²" is a digit that int() refuses
        if len(words) < 2 or not words[1].isdecimal():
            await message.reply_text(texts.RATE_USAGE)
            return
        rest = words[2] if len(words) > 2 else ""
        verdict, _sep, comment = rest.partition(" ")
        solved = texts.SOLVED_WORDS.get(verdict)
        if solved is None:
            solved, comment = True, rest
        outcome = await enterprise.rate(
            self._services, actor, words[0], solved=solved, score=int(words[1]), comment=comment
        )
        await message.reply_text(texts.rated(outcome.number, outcome.status))

    async def not_text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(texts.NOT_TEXT)

    async def unknown_command(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command the bot does not have: an official is told the own role's commands,
        not the enterprise's list."""
        if update.effective_message is not None:
            official = await self._official_help(update)
            await update.effective_message.reply_text(official or texts.UNKNOWN_COMMAND)


def update_reference(update: Update) -> str:
    """The reference of what a message files: its message id, unique in the sender's private
    chat (references are per sender), the same when Telegram delivers the update again."""
    message = update.effective_message
    if message is None:
        return f"tg-update-{update.update_id}"
    return f"tg-msg-{message.message_id}"


def command_words(text: str | None, parts: int) -> list[str]:
    """The words after the command, the last of ``parts`` keeping the rest of the text."""
    words = (text or "").split(maxsplit=1)
    return words[1].split(maxsplit=parts - 1) if len(words) > 1 else []
