"""The complaint lifecycle as a table: which action may move a complaint from which status to
which, and who may take it.

Owns the rules; the services (``bot.services``) apply them and record what happened. An action
not allowed from the current status raises ``IllegalTransition``; a person without the role
raises ``PermissionDenied``; an official of another unit is told the complaint does not exist
(``ComplaintNotFound``). ``None`` as target status means "stays as it is"
(a follow-up or a supervision does not change the status).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.records import Complaint, Official, Role, Status
from bot.errors import NotFound, YousuError


class Action(StrEnum):
    ROUTE = "route"  # automatic assignment of a confident match
    SEND_TO_DISPATCHER = "send_to_dispatcher"
    DISPATCH = "dispatch"  # a dispatcher assigns a unit
    SIGN_OFF = "sign_off"
    REPLY = "reply"
    TRANSFER = "transfer"
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    SUPERVISE = "supervise"
    RESOLVE = "resolve"
    FOLLOW_UP = "follow_up"
    CHASE = "chase"
    RATE = "rate"
    REOPEN = "reopen"
    AUTO_CLOSE = "auto_close"
    MERGE = "merge"
    WITHDRAW = "withdraw"  # 撤回 by the enterprise, before anyone signed off
    VOID = "void"  # 无效: not a complaint (a test, nonsense, abuse), with a reason


#: who takes an action: roles of officials, or the enterprise itself, or the system
ENTERPRISE = "enterprise"
SYSTEM = "system"

_HANDLING = frozenset({Status.ROUTED, Status.SIGNED_OFF, Status.IN_PROGRESS})
_WORKING = frozenset({Status.SIGNED_OFF, Status.IN_PROGRESS})
_OPEN = frozenset(s for s in Status if s.is_open)
_UNIT = frozenset({Role.HANDLER, Role.UNIT_ADMIN, Role.ADMIN})
_UNIT_LEADS = frozenset({Role.UNIT_ADMIN, Role.DISPATCHER, Role.ADMIN})
_DISPATCH = frozenset({Role.DISPATCHER, Role.ADMIN})
_SUPERVISE = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Transition:
    sources: frozenset[Status]
    target: Status | None
    actors: frozenset[str]  # Role values, ENTERPRISE or SYSTEM
    title: str  # Chinese name of the action, for messages


TRANSITIONS: dict[Action, Transition] = {
    Action.ROUTE: Transition(
        frozenset({Status.SUBMITTED}), Status.ROUTED, frozenset({SYSTEM}), "派单"
    ),
    Action.SEND_TO_DISPATCHER: Transition(
        frozenset({Status.SUBMITTED}), Status.PENDING_DISPATCH, frozenset({SYSTEM}), "转派单员"
    ),
    Action.DISPATCH: Transition(
        frozenset({Status.PENDING_DISPATCH}), Status.ROUTED, _DISPATCH, "派单"
    ),
    Action.SIGN_OFF: Transition(frozenset({Status.ROUTED}), Status.SIGNED_OFF, _UNIT, "签收"),
    Action.REPLY: Transition(_WORKING, Status.IN_PROGRESS, _UNIT, "回复"),
    Action.TRANSFER: Transition(_HANDLING, Status.ROUTED, _UNIT_LEADS, "转派"),
    Action.RETURN: Transition(_HANDLING, Status.PENDING_DISPATCH, _UNIT, "退单"),
    Action.REQUEST_EXTENSION: Transition(_WORKING, None, _UNIT, "延期申请"),
    Action.DECIDE_EXTENSION: Transition(_HANDLING, None, _SUPERVISE, "延期审批"),
    Action.SUPERVISE: Transition(_OPEN - {Status.RESOLVED}, None, _SUPERVISE, "督办"),
    Action.RESOLVE: Transition(_WORKING, Status.RESOLVED, _UNIT, "办结"),
    Action.FOLLOW_UP: Transition(_OPEN, None, frozenset({ENTERPRISE}), "补充说明"),
    Action.CHASE: Transition(_OPEN - {Status.RESOLVED}, None, frozenset({ENTERPRISE}), "催办"),
    Action.RATE: Transition(
        frozenset({Status.RESOLVED}), Status.CLOSED, frozenset({ENTERPRISE}), "评价"
    ),
    Action.REOPEN: Transition(
        frozenset({Status.RESOLVED}), Status.IN_PROGRESS, frozenset({ENTERPRISE}), "重办"
    ),
    Action.AUTO_CLOSE: Transition(
        frozenset({Status.RESOLVED}), Status.CLOSED, frozenset({SYSTEM}), "自动结案"
    ),
    Action.MERGE: Transition(
        frozenset({Status.SUBMITTED}), Status.MERGED, frozenset({SYSTEM}), "并件"
    ),
    Action.WITHDRAW: Transition(
        frozenset({Status.SUBMITTED, Status.PENDING_DISPATCH, Status.ROUTED}),
        Status.WITHDRAWN,
        frozenset({ENTERPRISE}),
        "撤回",
    ),
    Action.VOID: Transition(_OPEN - {Status.RESOLVED}, Status.VOID, _UNIT_LEADS, "标记无效"),
}

STATUS_TITLES: dict[Status, str] = {
    Status.SUBMITTED: "已受理",
    Status.PENDING_DISPATCH: "待派单",
    Status.ROUTED: "已派单",
    Status.SIGNED_OFF: "已签收",
    Status.IN_PROGRESS: "办理中",
    Status.RESOLVED: "已办结",
    Status.CLOSED: "已结案",
    Status.MERGED: "重复件（已并入原诉求）",
    Status.WITHDRAWN: "已撤回",
    Status.VOID: "无效工单",
}


class IllegalTransition(YousuError):
    code = "illegal_transition"
    http_status = 409

    def __init__(self, complaint: Complaint, action: Action) -> None:
        title = TRANSITIONS[action].title
        status = STATUS_TITLES[complaint.status]
        super().__init__(
            f"工单 {complaint.number} 当前状态为“{status}”，不能{title}",
            f"complaint {complaint.number} is {complaint.status.value}; cannot {action.value}",
        )
        self.action = action
        self.status = complaint.status


class PermissionDenied(YousuError):
    code = "permission_denied"
    http_status = 403

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en)


class ComplaintNotFound(NotFound):
    code = "complaint_not_found"

    def __init__(self, number: str) -> None:
        # said alike of unknown numbers and of complaints the asker may not see
        super().__init__(
            f"没有编号为 {number} 的工单（或该工单不在您的查看范围内）",
            f"no complaint numbered {number} that you may see",
        )
        self.number = number


class NotAnOfficial(PermissionDenied):
    def __init__(self, who: str) -> None:
        super().__init__(
            "您还不是登记的工作人员，请联系管理员（yousu officials add）",
            f"{who} is not a registered official",
        )


def check(action: Action, complaint: Complaint, actor_kind: str) -> Status | None:
    """The status after ``action``; raises if the status or the actor does not allow it."""
    transition = TRANSITIONS[action]
    if actor_kind not in transition.actors:
        raise PermissionDenied(
            f"您无权对工单 {complaint.number} 执行“{transition.title}”",
            f"{actor_kind} may not {action.value} complaint {complaint.number}",
        )
    if complaint.status not in transition.sources:
        raise IllegalTransition(complaint, action)
    return transition.target if transition.target is not None else complaint.status


def may_take(action: Action, role: Role) -> bool:
    """Whether an official with ``role`` may take ``action`` at all (on some complaint in some
    status): what menus and buttons offer, before any complaint is looked at."""
    return role.value in TRANSITIONS[action].actors


def may_see(official: Official, complaint: Complaint) -> bool:
    """Officials of a unit see their unit's complaints (those it leads now); district-wide
    roles (dispatcher, supervisor, admin) see every complaint."""
    return official.role not in (Role.HANDLER, Role.UNIT_ADMIN) or (
        official.unit is not None and official.unit == complaint.lead_unit
    )


def check_official(action: Action, complaint: Complaint, official: Official) -> Status | None:
    """``check`` for an official. A complaint the official may not see does not exist for
    them: the answer is the one for an unknown number, before anything about its status or
    who may act on it, so another unit learns nothing, not even that the number is taken."""
    if not may_see(official, complaint):
        raise ComplaintNotFound(complaint.number)
    return check(action, complaint, official.role.value)
