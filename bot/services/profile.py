"""Who is complaining: the enterprise's profile (company name, 统一社会信用代码, contact person,
phone), asked once right after its first complaint is filed (filing never waits for it) and
shown or edited with /profile.

Owns the profile's questions, one at a time, as a chat state (``profile``) so a restart in
the middle does not lose the step; each answer is checked (the credit code by its check
character, the phone by its form) and "跳过" skips a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.credit_code import validate_credit_code
from bot.domain.records import Actor, ChatState, Enterprise
from bot.errors import InvalidInput
from bot.services.context import ServiceContext
from bot.services.steps import clean_text

#: the chat state of a profile being filled in; ``data["step"]`` is the question asked
PROFILE = "profile"
STEPS = ("company_name", "credit_code", "contact_person", "phone")
SKIP_WORDS = frozenset({"跳过", "略过", "不填", "无", "没有", "skip"})
PHONE = re.compile(r"^(\+?86)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
MAX_NAME = 50


@dataclass(frozen=True, slots=True)
class ProfileStep:
    """The question to ask next (None: the profile is done) and the profile so far."""

    ask: str | None
    enterprise: Enterprise


async def ask_once_after_first_complaint(ctx: ServiceContext, actor: Actor) -> ProfileStep | None:
    """Start the profile's questions if this enterprise was never asked and has no name on
    file; None otherwise (asked once only, whatever the answer)."""
    async with ctx.uow_factory() as uow:
        enterprise = await uow.enterprises.find(actor)
        if enterprise is None or enterprise.profile_asked_at is not None:
            return None
        if enterprise.company_name:
            return None
        enterprise.profile_asked_at = ctx.clock.now()
        await uow.enterprises.save(enterprise)
        await uow.chat_states.put(_state(ctx, actor, STEPS[0]))
        await uow.commit()
    return ProfileStep(STEPS[0], enterprise)


async def start(ctx: ServiceContext, actor: Actor) -> ProfileStep:
    """/profile 修改: ask every question again."""
    async with ctx.uow_factory() as uow:
        enterprise = await uow.enterprises.get_or_create(actor)
        await uow.chat_states.put(_state(ctx, actor, STEPS[0]))
        await uow.commit()
    return ProfileStep(STEPS[0], enterprise)


async def show(ctx: ServiceContext, actor: Actor) -> Enterprise:
    async with ctx.uow_factory() as uow:
        enterprise = await uow.enterprises.get_or_create(actor)
        await uow.commit()
    return enterprise


async def current_step(ctx: ServiceContext, actor: Actor) -> str | None:
    async with ctx.uow_factory() as uow:
        state = await uow.chat_states.get(actor)
    if state is None or state.state != PROFILE:
        return None
    step = state.data.get("step")
    return step if isinstance(step, str) and step in STEPS else None


async def answer(ctx: ServiceContext, actor: Actor, text: str) -> ProfileStep:
    """Take the answer to the question asked; ``InvalidInput`` (the question stays) when it
    is not a valid answer."""
    async with ctx.uow_factory() as uow:
        state = await uow.chat_states.get(actor)
        if state is None or state.state != PROFILE:
            raise InvalidInput("当前没有在填写企业信息，发送 /profile 修改", "no profile step")
        step = str(state.data.get("step"))
        enterprise = await uow.enterprises.get_or_create(actor)
        cleaned = clean_text(text or "")
        if cleaned.lower() not in SKIP_WORDS:
            setattr(enterprise, step, _checked(step, cleaned))
            await uow.enterprises.save(enterprise)
        following = STEPS.index(step) + 1 if step in STEPS else len(STEPS)
        if following < len(STEPS):
            await uow.chat_states.put(_state(ctx, actor, STEPS[following]))
            ask: str | None = STEPS[following]
        else:
            await uow.chat_states.clear(actor)
            ask = None
        await uow.commit()
    return ProfileStep(ask, enterprise)


async def stop(ctx: ServiceContext, actor: Actor) -> None:
    async with ctx.uow_factory() as uow:
        state = await uow.chat_states.get(actor)
        if state is not None and state.state == PROFILE:
            await uow.chat_states.clear(actor)
            await uow.commit()


_LOOKS_LIKE = {
    "company_name": re.compile(
        r"^.{2,48}(公司|厂|店|社|中心|集团|商行|企业|工作室|经营部|门市部|馆|院|所|场|坊|超市|药房)$"
    ),
    "credit_code": re.compile(r"^[0-9A-Za-z\s]{12,24}$"),
    "contact_person": re.compile(
        r"^[\u4e00-\u9fa5·]{2,5}$|^[\u4e00-\u9fa5]{1,3}(经理|总|会计|主任|女士|先生|厂长|老板)$"
    ),
    "phone": re.compile(r"^[\d\s+()（）\-]{7,20}$"),
}


def looks_like_answer(step: str | None, text: str) -> bool:
    """Whether ``text`` reads as the answer to the profile question ``step`` (or a skip):
    anything else is a new message, and the profile waits for /profile."""
    cleaned = clean_text(text or "")
    if cleaned.lower() in SKIP_WORDS:
        return True
    pattern = _LOOKS_LIKE.get(step or "")
    return bool(pattern and pattern.match(cleaned))


def _checked(step: str, value: str) -> str:
    if step == "credit_code":
        return validate_credit_code(value)
    if step == "phone":
        phone = re.sub(r"[\s()（）]", "", value)
        if not PHONE.match(phone):
            raise InvalidInput(
                "电话号码格式不对，请发送手机号（11位）或带区号的座机号，也可点“分享手机号”",
                "not a phone number",
            )
        return phone
    if not value or len(value) > MAX_NAME:
        raise InvalidInput(f"请填写不超过{MAX_NAME}字的名称，或发送“跳过”", "name too long")
    return value


def _state(ctx: ServiceContext, actor: Actor, step: str) -> ChatState:
    return ChatState(actor.channel, actor.external_id, PROFILE, {"step": step}, ctx.clock.now())
