"""What each official's role may do, for what the channels offer: command menus and help,
and the buttons on a notification.

Owns asking the transition table (``bot.domain.lifecycle``) once per role, so no channel
decides for itself that a handler may transfer: a menu lists, and a card carries, only what
the role's permission rules allow. Whether the act then succeeds on one complaint (its status,
the unit) is still the use case's decision.
"""

from __future__ import annotations

from bot.domain.lifecycle import Action, may_take
from bot.domain.records import Actor, Role
from bot.services.context import ServiceContext

#: the actions on a complaint card a unit's official may be offered, in button order
CARD_ACTIONS = (Action.SIGN_OFF, Action.REPLY, Action.RESOLVE, Action.TRANSFER, Action.RETURN)
#: the actions of a dispatcher's 【待派单】 card
DISPATCH_ACTIONS = (Action.DISPATCH, Action.VOID)
#: every action some notification's buttons stand for
OFFERED = (*CARD_ACTIONS, *DISPATCH_ACTIONS, Action.SUPERVISE, Action.DECIDE_EXTENSION)
#: what the district's views offer (the overdue list, the digest, the week's figures)
DISTRICT_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def permitted(role: Role) -> frozenset[Action]:
    """Every action an official with ``role`` may take on some complaint."""
    return frozenset(action for action in Action if may_take(action, role))


def card_actions(role: Role, offered: tuple[Action, ...] = OFFERED) -> list[str]:
    """The actions of ``offered`` the role may take, as the values a notification carries."""
    return [action.value for action in offered if may_take(action, role)]


def sees_district(role: Role) -> bool:
    """Whether the role's lists (overdue orders, digests) cover the whole district rather
    than the own unit."""
    return role in DISTRICT_ROLES


async def role_of(ctx: ServiceContext, actor: Actor) -> Role | None:
    """The role of the active official ``actor`` is, or None (an enterprise, a stranger)."""
    try:
        telegram_id = int(actor.external_id)
    except ValueError:
        return None
    async with ctx.uow_factory() as uow:
        official = await uow.officials.by_telegram_id(telegram_id)
    return official.role if official is not None and official.active else None


async def view_scope(ctx: ServiceContext, actor: Actor) -> str | None:
    """Whose figures and lists the official ``actor`` sees: None for the district (district
    roles), else the own unit. Someone who is no official is told so."""
    from bot.domain.lifecycle import PermissionDenied  # noqa: PLC0415
    from bot.services.steps import load_official  # noqa: PLC0415

    async with ctx.uow_factory() as uow:
        official = await load_official(uow, actor)
    if sees_district(official.role):
        return None
    if official.unit is None:
        raise PermissionDenied("您没有所属单位", f"official {actor} has no unit")
    return official.unit
