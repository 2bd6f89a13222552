"""A private chat's messages that are not commands: understood first (``bot.services.
conversation``), then filed, answered, welcomed, added to a complaint, or asked back about;
and the buttons of that conversation (the clarifying choice, 回复, 已解决 / 未解决 and stars).

Owns translating those updates and button presses into use cases and their results into text
and buttons (``chat_texts``, ``keyboards``). Photos, documents, voice notes, videos and
locations are accepted: the caption is the text, a file without one waits for the text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.domain.records import Actor
from bot.services import conversation, enterprise, policy, profile, queries, roles
from bot.services.context import ServiceContext
from bot.services.conversation import WAITS_FOR_CHOICE, Next, Understanding
from bot.services.intake import Submission
from bot.services.intake_queue import IntakeQueue
from handlers.telegram import chat_texts, keyboards, texts
from handlers.telegram.enterprise import sender, update_reference
from handlers.telegram.official_texts import role_help
from knowledge.intent import ABOUT_A_COMPLAINT, NUMBER_PATTERN, MessageKind

#: an official's text completing a pending action: True when one waited
OfficialText = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[bool]]
#: Telegram bots may download files up to 20 MB; larger ones are refused at once
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Telegram shows at most 200 characters in a callback query's answer
MAX_ANSWER = 200


def attachments_of(message: Message) -> tuple[str, ...] | None:
    """``kind:file_id`` references of what the message carries, or None when a file is over
    the limit. Locations are kept as ``location:lat,long``."""
    found: list[str] = []
    sizes: list[int | None] = []
    if message.photo:
        biggest = message.photo[-1]
        found.append(f"photo:{biggest.file_id}")
        sizes.append(biggest.file_size)
    for kind in ("document", "voice", "video", "audio"):
        item = getattr(message, kind)
        if item is not None:
            found.append(f"{kind}:{item.file_id}")
            sizes.append(item.file_size)
    if message.location is not None:
        found.append(f"location:{message.location.latitude},{message.location.longitude}")
    if any(size is not None and size > MAX_FILE_BYTES for size in sizes):
        return None
    return tuple(found)


def replied_number(message: Message) -> str | None:
    """The complaint number of the bot's message this one replies to, if any."""
    original = message.reply_to_message
    if original is None or original.from_user is None or not original.from_user.is_bot:
        return None
    found = NUMBER_PATTERN.search(original.text or original.caption or "")
    return found.group(1) if found else None


class ConversationHandlers:
    def __init__(
        self, services: ServiceContext, intake: IntakeQueue, official_text: OfficialText
    ) -> None:
        self._services = services
        self._intake = intake
        #: completes an official's pending action with the text; False when none waits
        self._official_text = official_text
        self._title = texts.milestone_titles(services.sla)

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None or message.text is None:
            return
        await self._respond(update, context, message, actor, message.text, ())

    async def edited(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message is never filed again: the new wording joins the complaint the
        original filed; anything else edited is left as it was answered."""
        message, actor = update.edited_message, sender(update)
        if message is None or actor is None:
            return
        text = (message.text or message.caption or "").strip()
        number = await conversation.filed_from(self._services, actor, update_reference(update))
        if number is None or not text:
            await message.reply_text(chat_texts.EDIT_NOT_FILED)
            return
        outcome = await enterprise.follow_up(
            self._services, actor, number, f"{chat_texts.EDITED_PREFIX}{text}"
        )
        await message.reply_text(chat_texts.added(outcome.number))

    async def media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        attachments = attachments_of(message)
        if attachments is None:
            await message.reply_text(chat_texts.ATTACHMENT_LIMIT)
            return
        if not attachments:
            await message.reply_text(texts.NOT_TEXT)
            return
        caption = (message.caption or "").strip()
        if not caption:
            await conversation.hold_attachments(self._services, actor, attachments)
            await message.reply_text(chat_texts.PHOTO_NEEDS_TEXT)
            return
        await self._respond(update, context, message, actor, caption, attachments)

    async def _respond(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        message: Message,
        actor: Actor,
        text: str,
        attachments: Sequence[str],
    ) -> None:
        ctx = self._services
        understood = await conversation.understand(ctx, actor, text, replied_number(message))
        held = (*understood.attachments, *attachments)
        if attachments and understood.next in (*WAITS_FOR_CHOICE, Next.WELCOME):
            # a caption with a file describes a problem: file it rather than chat about it
            understood = Understanding(Next.FILE, understood.intent, None, understood.open_numbers)
        nxt = understood.next
        if nxt == Next.FILE:
            await self._file(update, message, actor, text, held)
        elif nxt == Next.ANSWER:
            answer = policy.answer_question(ctx, text)
            await message.reply_text(
                texts.policy_answer(answer), reply_markup=keyboards.file_after_all()
            )
        elif nxt == Next.ANSWER_AND_ASK:
            answer = policy.answer_question(ctx, text)
            await message.reply_text(
                f"{texts.policy_answer(answer)}\n\n{chat_texts.ASK_IF_TO_HANDLE}",
                reply_markup=keyboards.answered_choosing(),
            )
        elif nxt == Next.WELCOME:
            thanks = understood.intent.kind == MessageKind.THANKS
            await message.reply_text(chat_texts.THANKS if thanks else chat_texts.GREETING)
        elif nxt == Next.ADD and understood.number is not None:
            outcome = await enterprise.follow_up(ctx, actor, understood.number, text)
            await message.reply_text(chat_texts.added(outcome.number))
        elif nxt == Next.CHASE and understood.number is not None:
            outcome = await enterprise.chase(ctx, actor, understood.number, text)
            await message.reply_text(texts.chased(outcome.number))
        elif nxt == Next.STATUS:
            await self._status(message, actor, understood.number)
        elif nxt == Next.RATE and understood.number is not None:
            await message.reply_text(
                chat_texts.ask_solved(understood.number),
                reply_markup=keyboards.solved_or_not(understood.number),
            )
        elif nxt == Next.PROFILE:
            step = await profile.answer(ctx, actor, text)
            await self._ask_profile(message, step)
        elif nxt == Next.OFFICIAL:
            if attachments or not await self._official_text(update, context):
                role = await roles.role_of(ctx, actor)
                help_text = chat_texts.OFFICIAL_HELP if role is None else role_help(role)
                await message.reply_text(help_text)
        else:
            about = understood.intent.kind in ABOUT_A_COMPLAINT and not understood.open_numbers
            lead = chat_texts.NOTHING_ON_FILE if about else ""
            await message.reply_text(
                lead + chat_texts.clarify(understood.open_numbers),
                reply_markup=keyboards.choosing(understood.open_numbers),
            )

    async def _file(
        self,
        update: Update,
        message: Message,
        actor: Actor,
        text: str,
        attachments: Sequence[str],
    ) -> None:
        # the update's message is the reference: a redelivered update files nothing twice
        ack = await self._intake.submit(
            Submission(actor, text, tuple(attachments), external_ref=update_reference(update))
        )
        # 撤回 for a short while: a message sent by mistake need not become a work order
        buttons = None if ack.repeat_of or ack.already_filed else keyboards.withdrawing(ack.number)
        await message.reply_text(
            texts.acknowledgement(ack, self._services.zone, self._title), reply_markup=buttons
        )
        if not ack.already_filed:  # filing never waits for the profile: asked after it
            step = await profile.ask_once_after_first_complaint(self._services, actor)
            if step is not None:
                await self._ask_profile(message, step)

    async def _ask_profile(self, message: Message, step: profile.ProfileStep) -> None:
        if step.ask is None:
            e = step.enterprise
            await message.reply_text(
                chat_texts.profile(e.company_name, e.credit_code, e.contact_person, e.phone),
                reply_markup=ReplyKeyboardRemove(),
            )
            return
        buttons: ReplyKeyboardMarkup | None = None
        if step.ask == "phone":
            buttons = ReplyKeyboardMarkup(
                [[KeyboardButton(chat_texts.SHARE_PHONE, request_contact=True)]],
                resize_keyboard=True,
                one_time_keyboard=True,
            )
        await message.reply_text(chat_texts.PROFILE_QUESTIONS[step.ask], reply_markup=buttons)

    async def profile(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/profile shows the enterprise's information; /profile 修改 asks for it again."""
        message, actor = update.effective_message, sender(update)
        if message is None or actor is None:
            return
        if context.args:
            await self._ask_profile(message, await profile.start(self._services, actor))
            return
        e = await profile.show(self._services, actor)
        await message.reply_text(
            chat_texts.profile(e.company_name, e.credit_code, e.contact_person, e.phone)
        )

    async def contact(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A phone shared with the button: only the sender's own counts."""
        message, actor, user = update.effective_message, sender(update), update.effective_user
        if message is None or actor is None or user is None or message.contact is None:
            return
        if message.contact.user_id != user.id:
            await message.reply_text(chat_texts.CONTACT_NOT_YOURS)
            return
        if await profile.current_step(self._services, actor) != "phone":
            await profile.start(self._services, actor)
            for _ in range(3):  # straight to the phone question: the rest is kept
                await profile.answer(self._services, actor, "跳过")
        step = await profile.answer(self._services, actor, message.contact.phone_number)
        await self._ask_profile(message, step)

    async def _status(self, message: Message, actor: Actor, number: str | None) -> None:
        if number is None:
            complaints = await queries.my_complaints(self._services, actor, limit=10)
            await message.reply_text(texts.my_complaints(complaints, self._services.zone))
            return
        view = await queries.complaint_status(self._services, actor, number)
        await message.reply_text(texts.complaint_status(view, self._services.zone, self._title))

    # --- buttons ------------------------------------------------------------------------------

    async def button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query, actor = update.callback_query, sender(update)
        if query is None or actor is None:
            return
        parts = keyboards.parse_conversation(query.data)
        message = update.effective_message
        if parts is None or message is None:
            await query.answer()
            return
        ctx = self._services
        await query.answer()
        if parts[0] == keyboards.CHOOSE:
            await self._choose(update, message, actor, parts[1:])
        elif parts[0] == keyboards.ANSWER and len(parts) == 2:
            number = (await queries.complaint_status(ctx, actor, parts[1])).complaint.number
            await conversation.expect_answer(ctx, actor, number)
            await message.reply_text(chat_texts.answering(number))
        elif parts[0] == keyboards.SOLVED and len(parts) == 3:
            solved = parts[2] == "1"
            await _edit(
                message, chat_texts.ask_stars(parts[1], solved), keyboards.stars(parts[1], solved)
            )
        elif parts[0] == keyboards.WITHDRAW and len(parts) == 2:
            outcome = await enterprise.withdraw(ctx, actor, parts[1])
            await _edit(message, chat_texts.withdrawn(outcome.number), None)
        elif parts[0] == keyboards.STARS and len(parts) == 4 and parts[3].isdecimal():
            outcome = await enterprise.rate(
                ctx, actor, parts[1], solved=parts[2] == "1", score=int(parts[3])
            )
            await _edit(message, texts.rated(outcome.number, outcome.status), None)

    async def _choose(
        self, update: Update, message: Message, actor: Actor, choice: list[str]
    ) -> None:
        text = await conversation.remembered_text(self._services, actor)
        if text is None:
            await message.reply_text(chat_texts.forgotten())
            return
        await _edit(message, message.text or "", None)  # the choice is made: buttons go
        if choice[0] == "file":
            await self._file(update, message, actor, text, ())
        elif choice[0] == "ask" and choice[1:] == [keyboards.ANSWERED]:
            await message.reply_text(chat_texts.JUST_ASKING)  # the answer is above already
        elif choice[0] == "ask":
            answer = policy.answer_question(self._services, text)
            await message.reply_text(texts.policy_answer(answer))
        elif choice[0] == "add" and len(choice) == 2:
            outcome = await enterprise.follow_up(self._services, actor, choice[1], text)
            await message.reply_text(chat_texts.added(outcome.number))


async def _edit(message: Message, text: str, buttons: InlineKeyboardMarkup | None) -> None:
    """Replace a message's text and buttons; a message that cannot be edited is left."""
    with contextlib.suppress(TelegramError):
        await message.edit_text(text, reply_markup=buttons)
