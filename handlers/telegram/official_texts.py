"""What officials read beside their notifications (all Chinese): the command menu and help of
each role, the overdue list, this week's figures so far, and the digest of deadlines.

Owns wording and layout. Which commands a role is offered follows the permission rules
(``bot.services.roles``): a command stands for a lifecycle action, and a role that may not take
the action is not offered the command. Nothing here talks to Telegram or the database.
"""

from __future__ import annotations

from datetime import tzinfo

from bot.domain.lifecycle import STATUS_TITLES, Action
from bot.domain.local_time import show_local
from bot.domain.ranking import RANKED_TITLES
from bot.domain.records import Role
from bot.services.dashboard import DISTRICT_ROLES
from bot.services.queries import OverdueList
from bot.services.report_text import short_rate
from bot.services.reports import WeeklyReport
from bot.services.roles import permitted
from handlers.telegram.texts import MAX_MESSAGE, MilestoneTitle

#: (command, menu text, the action it needs or None for every official), in menu order
_COMMANDS: tuple[tuple[str, str, Action | None], ...] = (
    ("queue", "本单位待办", Action.SIGN_OFF),
    ("waiting", "待派单", Action.DISPATCH),
    ("overdue", "超时工单（按截止时间）", None),
    ("stats", "本周截至目前各单位统计", None),
    ("report", "上周周报", None),
    ("signoff", "签收：/signoff 编号", Action.SIGN_OFF),
    ("reply", "回复企业：/reply 编号 内容", Action.REPLY),
    ("resolve", "办结：/resolve 编号 办结说明", Action.RESOLVE),
    ("transfer", "转派：/transfer 编号 单位 理由", Action.TRANSFER),
    ("return", "退单：/return 编号 理由", Action.RETURN),
    ("extend", "延期申请：/extend 编号 天数 理由", Action.REQUEST_EXTENSION),
    ("dispatch", "派单：/dispatch 编号 单位", Action.DISPATCH),
    ("void", "标记无效：/void 编号 理由", Action.VOID),
    ("supervise", "督办：/supervise 编号 督办意见", Action.SUPERVISE),
    ("cancel", "取消进行中的操作", None),
)
ROLE_TITLES = {
    Role.HANDLER: "承办人",
    Role.UNIT_ADMIN: "单位管理员",
    Role.DISPATCHER: "派单员",
    Role.SUPERVISOR: "督办人",
    Role.ADMIN: "系统管理员",
}


#: who is given a dashboard link (``bot.services.dashboard`` decides; the menu follows it)
_DASHBOARD_ROLES = DISTRICT_ROLES | {Role.UNIT_ADMIN}
DASHBOARD_COMMAND = ("dashboard", "督办看板（浏览器链接）")


def commands_for(role: Role) -> list[tuple[str, str]]:
    """The commands an official with ``role`` is offered (menu and help), in menu order."""
    allowed = permitted(role)
    found = [
        (name, text) for name, text, action in _COMMANDS if action is None or action in allowed
    ]
    if role in _DASHBOARD_ROLES:
        after = next(i for i, (name, _t) in enumerate(found) if name == "report")
        found.insert(after + 1, DASHBOARD_COMMAND)
    return found


def role_help(role: Role) -> str:
    """/start, /help and an unknown command for an official: what the role can do here."""
    lines = [
        f"您是登记的{ROLE_TITLES.get(role, '工作人员')}。文字消息不会生成工单；"
        "请用通知上的按钮办理，或使用以下命令：",
        *(f"/{name} —— {text}" for name, text in commands_for(role)),
    ]
    return "\n".join(lines)


def not_for_role(command: str, role: Role) -> str:
    return f"您无权使用 /{command}。\n{role_help(role)}"


EXTEND_USAGE = "用法：/extend 编号 天数 理由，例如：/extend 20261125-0001 5 需要现场勘察"
SUPERVISE_USAGE = "用法：/supervise 编号 督办意见，例如：/supervise 20261125-0001 请本周内答复企业"


def extension_requested(number: str, request_id: int, days: int | None) -> str:
    asked = f"{days} 个工作日" if days else "按规定期限"
    return f"已提交工单 {number} 的延期申请（编号 {request_id}，{asked}），等待督办人审批。"


# --- lists ----------------------------------------------------------------------------------------

EMPTY_OVERDUE = "目前没有超时的工单。"


def overdue_list(found: OverdueList, zone: tzinfo, title: MilestoneTitle) -> str:
    scope = found.unit or "全区"
    if not found.orders:
        return f"{scope}：{EMPTY_OVERDUE}"
    lines = [f"{scope}超时工单 {len(found.orders)} 项（按截止时间，最早的在前）："]
    for clock, complaint in found.orders:
        due = show_local(clock.due_at, zone, seconds=False)
        lines.append(
            f"{complaint.number}  {complaint.lead_unit or '待派单'}  "
            f"{STATUS_TITLES[complaint.status]}\n"
            f"  {title(complaint.sla_policy, clock.milestone)}截止 {due}"
        )
    lines.append("查看：/status 编号")
    return _fit("\n".join(lines))


def week_stats(report: WeeklyReport, own_unit: str | None = None) -> str:
    """/stats: this week so far, one short block per unit in ranking order."""
    first, last = report.first_day, report.last_day
    counted = report.as_of[5:16].replace("T", " ")
    lines = [f"本周统计 {first.month}月{first.day}日—{last.month}月{last.day}日（截至 {counted}）"]
    district = report.units[0] if report.units else None
    if district is None or district.counts.received == 0:
        lines.append("全区本周尚未受理诉求。")
    else:
        c = district.counts
        lines.append(f"全区：受理 {c.received}，办结 {c.resolved}，超期在办 {c.overdue_open}")
    counts = {u.unit: u.counts for u in report.units if u.counts.unit is not None}
    for ranked in report.ranking:
        c = counts[ranked.unit]
        mark = "▶ " if ranked.unit == own_unit else ""
        place = f"{ranked.position}. " if ranked.position else "— "
        score = f" {ranked.score:.1f} 分" if ranked.score is not None else ""
        rates = "，".join(
            f"{RANKED_TITLES[k].removesuffix('率')} {short_rate(v)}"
            for k, v in ranked.rates.items()
        )
        lines.append(f"{mark}{place}{ranked.unit}{score}")
        lines.append(f"  受理 {c.received}，办结 {c.resolved}，超期 {c.overdue_open}；{rates}")
    return _fit("\n".join(lines))


def _fit(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
