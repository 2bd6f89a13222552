"""Every Chinese text the Telegram bot shows, rendered from the services' plain results.

Owns wording and layout: the welcome, the acknowledgement of a complaint, a complaint's
status, an enterprise's list, the notifications the outbox carries (one renderer per kind)
and the polite form of a named error. Times are shown in the configured zone (Asia/Shanghai);
a deadline at local midnight is shown as 24:00 of the day before, as the rules word it.
Nothing here talks to Telegram or the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from bot.domain.history import STEP_TITLES
from bot.domain.lifecycle import STATUS_TITLES
from bot.domain.local_time import show_local
from bot.domain.records import Complaint, Event, EventKind, OutboxMessage, Status
from bot.domain.sla import SlaEngine, UnknownMilestone, UnknownSlaPolicy
from bot.errors import YousuError
from bot.services.intake import Acknowledgement
from bot.services.queries import ComplaintView
from knowledge.model import Measure
from knowledge.search.searcher import Answer
from knowledge.views import deadline_note

#: Telegram refuses messages longer than 4096 characters
MAX_MESSAGE = 4096
#: ... and captions of photos and documents longer than 1024
MAX_CAPTION = 1024
#: the captions of the weekly push's files
_FILE_CAPTIONS = {"weekly_chart": "统计图", "weekly_ledger": "台账"}

#: the titles of milestones no policy defines
_EXTRA_MILESTONES = {"assignment": "转办（派至承办单位）"}

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "使用说明"),
    ("ask", "政策咨询：/ask 问题"),
    ("status", "查询诉求进度：/status 编号"),
    ("mine", "我提交的诉求"),
    ("followup", "补充说明：/followup 编号 内容"),
    ("chase", "催办：/chase 编号"),
    ("rate", "评价办理结果：/rate 编号 1-5 [已解决|未解决] [评价]"),
    ("profile", "企业信息：查看或修改"),
)
WELCOME = (
    "您好！这里是偃师区“有诉即办”企业诉求服务。\n\n"
    "直接发送文字即可提交诉求：系统按《洛阳市偃师区2023年优化营商环境实施方案》"
    "把诉求派给方案写明的牵头单位，给出工单编号和办理时限（按工作日计算），"
    "办理进展会在这里通知您。\n\n"
    "常用命令：\n"
    "/ask 问题 —— 政策咨询，按方案原文作答，例如 /ask 新注册公司要几个工作日\n"
    "/status 编号 —— 查询诉求进度，例如 /status 20261125-0001\n"
    "/mine —— 查看我提交的诉求\n"
    "/followup 编号 内容 —— 补充说明\n"
    "/chase 编号 —— 催办\n"
    "/rate 编号 1-5 [已解决|未解决] [评价] —— 评价办理结果，例如 /rate 20261125-0001 5 已解决\n"
    "/profile —— 企业信息（名称、信用代码、联系人、电话）\n"
    "/start —— 再次查看本说明\n\n"
    "请在一条消息中写清楚问题、涉及的单位和事项、已经等了多久。"
)

STATUS_USAGE = "请在命令后写上工单编号，例如：/status 20261125-0001"
NO_COMPLAINTS = "您还没有提交过诉求。直接发送文字即可提交。"
NOT_TEXT = "目前只能受理文字诉求，请用文字描述您的问题。"
UNKNOWN_COMMAND = (
    "没有这个命令。可用命令：/ask 问题、/status 编号、/mine、/followup、/chase、/rate、/start。"
    "直接发送文字即可提交诉求。"
)
UNEXPECTED_ERROR = "抱歉，系统出了点问题，本次操作可能没有完成，请稍后重试。"

MilestoneTitle = Callable[[str, str], str]


def milestone_titles(sla: SlaEngine) -> MilestoneTitle:
    """``title(policy, milestone)`` from the SLA data, with a readable fallback."""

    def title(policy: str, milestone: str) -> str:
        if milestone in _EXTRA_MILESTONES:
            return _EXTRA_MILESTONES[milestone]
        try:
            return sla.policy(policy).rule(milestone).title or milestone
        except (UnknownSlaPolicy, UnknownMilestone):
            return milestone

    return title


def _iso_time(value: object, zone: tzinfo) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return show_local(datetime.fromisoformat(value), zone, seconds=False)
    except ValueError:
        return None


ASK_USAGE = "请在命令后写上您的问题，例如：/ask 新注册公司要几个工作日"
_DOCS = {
    "2023-plan": "2023年优化营商环境实施方案",
    "2022-rectification": "2022年评价指标整改提升方案",
}


def _source(measure: Measure) -> str:
    return f"《{_DOCS.get(measure.doc, measure.doc)}》（{measure.number}）{measure.title}"


def _leads(measure: Measure) -> str:
    return "、".join(measure.lead_units or measure.lead_groups) or "未列明"


def policy_answer(answer: Answer) -> str:
    """The sentence that answers, with its measure, lead units and deadline; or, when
    nothing matches well, the three nearest measures offered as such."""
    hits = [h for h in answer.hits if h.score > 0]  # nothing in common is no answer
    if not hits:
        return "没有找到相关举措，请换个说法再问，或直接发送文字提交诉求。"
    if answer.confident:
        best = hits[0]
        lines = [
            f"答：{best.snippet}",
            f"出处：{_source(best.measure)}",
            f"牵头单位：{_leads(best.measure)}",
            f"时间节点：{deadline_note(best.measure.deadline)}",
        ]
        others = hits[1:3]
        if others:
            lines.append("相关举措：")
    else:
        lines = ["没有找到能准确回答的举措，以下是最接近的几项："]
        others = hits[:3]
    lines.extend(f"  · {_source(h.measure)}（牵头：{_leads(h.measure)}）" for h in others)
    return "\n".join(lines)


def error_text(exc: YousuError) -> str:
    return f"抱歉，{exc.zh}"


# --- what the enterprise reads ------------------------------------------------------------------


def acknowledgement(ack: Acknowledgement, zone: tzinfo, title: MilestoneTitle) -> str:
    if ack.repeat_of is not None:
        return (
            f"已收到。您这条诉求与您尚在办理的工单 {ack.repeat_of} 内容相同，"
            f"已并入该工单一并办理（本条编号 {ack.number}），不重复计时。\n"
            f"承办单位：{ack.lead_unit or '待派单员确认'}\n"
            f"查询进度：/status {ack.repeat_of}"
        )
    lines = [f"已受理您的诉求，工单编号：{ack.number}"]
    if ack.needs_dispatcher or ack.lead_unit is None:
        lines.append("承办单位：待派单员确认（确认后会通知您）")
    else:
        lines.append(f"承办单位：{ack.lead_unit}")
        if ack.co_units:
            lines.append(f"配合单位：{'、'.join(ack.co_units)}")
    if ack.measure_title:
        lines.append(f"依据：{_measure(ack.measure_id, ack.measure_title)}")
    shown = [d for d in ack.deadlines if d.milestone != "assignment"]
    if shown:
        lines.append("办理时限（北京时间）：")
        for deadline in shown:
            mark = "（估算）" if deadline.estimated else ""
            when = show_local(deadline.due, zone, seconds=False)
            lines.append(f"  · {title(ack.sla_policy, deadline.milestone)}：{when} 前{mark}")
    lines.append(f"查询进度：/status {ack.number}")
    return "\n".join(lines)


def _measure(measure_id: str | None, title: str) -> str:
    return f"举措 {measure_id}《{title}》" if measure_id else f"《{title}》"


def complaint_status(view: ComplaintView, zone: tzinfo, title: MilestoneTitle) -> str:
    c = view.complaint
    lines = [
        f"工单 {c.number}",
        f"状态：{STATUS_TITLES[c.status]}",
        f"受理时间：{show_local(c.created_at, zone, seconds=False)}",
        f"承办单位：{c.lead_unit or '待派单员确认'}",
    ]
    if c.measure_title:
        lines.append(f"依据：{_measure(c.measure_id, c.measure_title)}")
    lines.append(f"内容：{excerpt(c.text, 200)}")
    clocks = [k for k in view.clocks if k.milestone != "assignment"]
    if clocks and c.status is not Status.MERGED:
        lines.append("办理时限（北京时间）：")
        for clock in sorted(clocks, key=lambda k: k.due_at):
            if clock.met_at is not None:
                state = f"已完成（{show_local(clock.met_at, zone, seconds=False)}）"
            elif clock.breached_at is not None:
                state = "已超时"
            else:
                state = "进行中"
            lines.append(
                f"  · {title(c.sla_policy, clock.milestone)}："
                f"{show_local(clock.due_at, zone, seconds=False)} 前，{state}"
            )
    if c.resolution_summary:
        lines.append(f"办结说明：{excerpt(c.resolution_summary, 300)}")
    e = view.enterprise
    if e is not None and (e.company_name or e.contact_person or e.phone):
        who = "，".join(
            x
            for x in (
                e.company_name,
                e.contact_person and f"联系人 {e.contact_person}",
                e.phone and f"电话 {e.phone}",
            )
            if x
        )
        lines.append(f"企业：{who}")
    thread = [line for event in view.events if (line := _step(event, zone))]
    if thread:
        lines.append("办理记录：")
        lines += thread[-MAX_THREAD:]
    text = "\n".join(lines)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


#: the newest steps shown in /status (a long thread keeps its end)
MAX_THREAD = 20
#: the steps of the /status thread: the filer's steps (``bot.domain.history``) but the merge,
#: which the repeat's own acknowledgement already told
_STEP_TITLES: dict[EventKind, str] = {
    k: v for k, v in STEP_TITLES.items() if k is not EventKind.MERGED
}


def _step(event: Event, zone: tzinfo) -> str | None:
    """One line of the thread: when, what, and what was said (replies, additions, reasons)."""
    title = _STEP_TITLES.get(event.kind)
    if title is None:  # clocks, co-units informed, merges: not part of the conversation
        return None
    said = event.data.get("text") or event.data.get("summary") or event.reason or ""
    when = show_local(event.at, zone, seconds=False)
    return f"  {when} {title}" + (f"：{excerpt(str(said), 80)}" if said else "")


def my_complaints(complaints: Sequence[Complaint], zone: tzinfo) -> str:
    if not complaints:
        return NO_COMPLAINTS
    lines = [f"您最近的 {len(complaints)} 件诉求："]
    for c in complaints:
        lines.append(
            f"{c.number}  {STATUS_TITLES[c.status]}  {c.lead_unit or '待派单'}\n"
            f"  {excerpt(c.text, 40)}"
        )
    lines.append("查看详情：/status 编号")
    return "\n".join(lines)


def excerpt(text: str, size: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size] + "…"


# --- notifications (outbox messages) ------------------------------------------------------------

_EVENT_TEXTS = {
    "routed": "已派至承办单位",
    "sent_to_dispatcher": "已提交派单员确认承办单位",
    "signed_off": "承办单位已签收",
    "resolved": "承办单位已办结",
    "transferred": "已转派至新的承办单位",
    "returned": "已退回派单员重新确定承办单位",
    "dispatched": "派单员已确认承办单位",
    "reopened": "已重新办理",
    "closed": "已结案",
    "auto_closed": "已自动结案",
    "merged": "已并入原工单",
    "extension_approved": "办理时限已批准延期",
    "voided": (
        "经核实，本条不属于需要办理的诉求，已标记为无效工单，不再计时。"
        "如有误，请重新描述问题再次提交"
    ),
}


def notification(message: OutboxMessage, zone: tzinfo, title: MilestoneTitle) -> str:
    """The text of one outbox message; an unknown kind still says which complaint changed."""
    p: Mapping[str, Any] = message.payload
    if message.kind == "weekly_summary":  # a district report, not about one complaint
        text = f"【每周统计】\n{p.get('text', '')}"
        return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
    if message.kind == "clock_digest":  # many complaints in one
        return clock_digest(p, zone, title)
    if message.kind in _FILE_CAPTIONS:  # the caption of the push's chart or ledger
        whose = f"{p['unit']} " if p.get("unit") else "全区 "
        return f"{_FILE_CAPTIONS[message.kind]} {whose}{p.get('week', '')}"[:MAX_CAPTION]
    number = p.get("number", "")
    render = _RENDERERS.get(message.kind)
    body = render(p, zone, title) if render else f"状态：{p.get('status_title', '')}"
    head = _HEADS.get(message.kind, "工单动态")
    text = f"【{head}】工单 {number}\n{body}"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def clock_digest(p: Mapping[str, Any], zone: tzinfo, title: MilestoneTitle) -> str:
    """A sweep's digest: the orders whose deadline ran out or is about to, grouped by unit
    (the worst first), numbered for the buttons below it."""
    part, parts = int(p.get("part") or 1), int(p.get("parts") or 1)
    page = f"（第 {part}/{parts} 页）" if parts > 1 else ""
    lines = [f"【时限汇总】超时 {p.get('breached', 0)} 项，即将到期 {p.get('warned', 0)} 项{page}"]
    items = [i for i in p.get("items") or [] if isinstance(i, dict)]
    unit: object = object()
    for position, item in enumerate(items, start=int(p.get("first") or 1)):
        if item.get("unit") != unit:
            unit = item.get("unit")
            lines.append(f"\n■ {unit or '待派单'}")
        state = "已超时" if item.get("breached") else "即将到期"
        milestone = title(str(item.get("sla_policy", "")), str(item.get("milestone", "")))
        due = _iso_time(item.get("due"), zone) or ""
        lines.append(
            f"{position}. {item.get('number', '')} {state}：{milestone}（截止 {due}）"
            f"\n   {item.get('status_title', '')}｜{item.get('text', '')}"
        )
    actions = p.get("actions")
    if not isinstance(actions, list) or "supervise" in actions:
        lines.append("\n按“督办 N”写督办意见（发给承办单位并记入记录），按“查看 N”看工单全部记录。")
    else:
        lines.append("\n请尽快办理；按“查看 N”看工单全部记录，超时的请在回复中说明原因。")
    text = "\n".join(lines)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _unit_line(p: Mapping[str, Any]) -> str:
    return f"承办单位：{p.get('lead_unit') or '待派单员确认'}"


def _content(p: Mapping[str, Any]) -> str:
    return f"内容：{p.get('text', '')}"


def _deadlines(p: Mapping[str, Any], zone: tzinfo, title: MilestoneTitle) -> list[str]:
    deadlines = p.get("deadlines")
    if not isinstance(deadlines, dict):
        return []
    lines = []
    for name, due in deadlines.items():
        when = _iso_time(due, zone)
        if when and name != "assignment":
            lines.append(f"  · {title(str(p.get('sla_policy', '')), name)}：{when} 前")
    return ["办理时限（北京时间）：", *lines] if lines else []


def _status_changed(p: Mapping[str, Any], zone: tzinfo, title: MilestoneTitle) -> str:
    event = str(p.get("event", ""))
    lines = [f"{_EVENT_TEXTS.get(event, '状态已更新')}，当前状态：{p.get('status_title', '')}"]
    if p.get("original"):
        lines.append(f"已并入工单 {p['original']} 一并办理")
    elif event not in ("closed", "auto_closed"):
        lines.append(_unit_line(p))
    if p.get("reason"):
        lines.append(f"说明：{p['reason']}")
    if p.get("summary"):
        lines.append(f"办结说明：{p['summary']}")
    new_due = _iso_time(p.get("new_due"), zone)
    if new_due:
        lines.append(f"新的截止时间：{new_due}")
    lines += _deadlines(p, zone, title)
    if p.get("ask_rating"):
        lines.append("请确认问题是否已解决，并对办理结果作出评价。")
    return "\n".join(lines)


def _reply(p: Mapping[str, Any], _zone: tzinfo, _title: MilestoneTitle) -> str:
    return f"{p.get('lead_unit') or '承办单位'}答复：\n{p.get('reply', '')}"


def _assigned(p: Mapping[str, Any], zone: tzinfo, title: MilestoneTitle) -> str:
    lines = [f"新派诉求，请及时签收。承办单位：{p.get('unit') or p.get('lead_unit') or ''}"]
    if p.get("transferred_from"):
        lines.append(f"由 {p['transferred_from']} 转来，理由：{p.get('reason') or '无'}")
    if p.get("measure_title"):
        lines.append(f"依据：{_measure(p.get('measure_id'), str(p['measure_title']))}")
    lines.append(_content(p))
    lines += _deadlines(p, zone, title)
    return "\n".join(lines)


def _co_unit(p: Mapping[str, Any], _zone: tzinfo, _title: MilestoneTitle) -> str:
    return "\n".join(
        [
            f"请{p.get('unit', '')}配合办理（牵头单位：{p.get('lead_unit') or '待定'}）",
            _content(p),
        ]
    )


def _clock(p: Mapping[str, Any], zone: tzinfo, title: MilestoneTitle, breached: bool) -> str:
    milestone = title(str(p.get("sla_policy", "")), str(p.get("milestone", "")))
    due = _iso_time(p.get("due"), zone) or ""
    if breached:
        head = f"“{milestone}”已超时（截止 {due}），请尽快办理并说明原因。"
    else:
        head = f"“{milestone}”即将到期（截止 {due}），请抓紧办理。"
    return "\n".join([head, _unit_line(p), _content(p)])


def _dispatch_needed(p: Mapping[str, Any], _zone: tzinfo, _title: MilestoneTitle) -> str:
    lines = ["请确认承办单位。"]
    if p.get("suggested_unit"):
        lines.append(f"系统建议：{p['suggested_unit']}")
    if p.get("returned_by"):
        lines.append(f"由 {p['returned_by']} 退回，理由：{p.get('reason') or '无'}")
    lines.append(_content(p))
    return "\n".join(lines)


def _extension_requested(p: Mapping[str, Any], zone: tzinfo, title: MilestoneTitle) -> str:
    due = _iso_time(p.get("due"), zone)
    lines = [
        f"申请编号：{p.get('request_id', '')}",
        f"时限：{title(str(p.get('sla_policy', '')), str(p.get('milestone', '')))}"
        + (f"（原截止 {due}）" if due else ""),
        f"申请延期：{p['days']} 个工作日" if p.get("days") else "申请延期：按规定期限",
        f"延期申请理由：{p.get('reason') or '无'}",
        _content(p),
    ]
    return "\n".join(lines)


def _note(label: str) -> Callable[[Mapping[str, Any], tzinfo, MilestoneTitle], str]:
    def render(p: Mapping[str, Any], _zone: tzinfo, _title: MilestoneTitle) -> str:
        return "\n".join([f"{label}：{p.get('note') or p.get('reason') or '无'}", _content(p)])

    return render


def _repeat(p: Mapping[str, Any], _zone: tzinfo, _title: MilestoneTitle) -> str:
    return f"企业再次反映（{p.get('repeat', '')}）：{p.get('repeat_text', '')}"


def _chased(p: Mapping[str, Any], zone: tzinfo, _title: MilestoneTitle) -> str:
    since = _iso_time(p.get("waiting_since"), zone) or ""
    return "\n".join([f"企业催办，自 {since} 受理以来仍在等待。", _content(p)])


def _extension_decided(p: Mapping[str, Any], zone: tzinfo, title: MilestoneTitle) -> str:
    milestone = title(str(p.get("sla_policy", "")), str(p.get("milestone", "")))
    verdict = "已批准" if p.get("approved") else "未批准"
    lines = [f"“{milestone}”延期申请{verdict}。"]
    new_due = _iso_time(p.get("new_due"), zone)
    if new_due:
        lines.append(f"新的截止时间：{new_due}")
    return "\n".join(lines)


_Renderer = Callable[[Mapping[str, Any], tzinfo, MilestoneTitle], str]


def _rating_reminder(p: Mapping[str, Any], zone: tzinfo, _title: MilestoneTitle) -> str:
    closes = _iso_time(p.get("closes_at"), zone) or "近日"
    return (
        f"承办单位已办结，您还没有确认结果。工单将于 {closes} 自动结案。\n"
        "请确认问题是否已解决（自动结案后仍可评价）。"
    )


_RENDERERS: dict[str, _Renderer] = {
    "status_changed": _status_changed,
    "reply": _reply,
    "assigned": _assigned,
    "co_unit_informed": _co_unit,
    "clock_warning": lambda p, z, t: _clock(p, z, t, breached=False),
    "clock_breached": lambda p, z, t: _clock(p, z, t, breached=True),
    "dispatch_needed": _dispatch_needed,
    "repeat_received": _repeat,
    "supervised": _note("督办意见"),
    "follow_up": _note("企业补充说明"),
    "reopened": _note("企业不满意，重新办理，理由"),
    "extension_requested": _extension_requested,
    "extension_decided": _extension_decided,
    "chased": _chased,
    "rating_reminder": _rating_reminder,
}
_HEADS = {
    "status_changed": "诉求进展",
    "reply": "单位答复",
    "assigned": "新派诉求",
    "co_unit_informed": "配合办理",
    "clock_warning": "时限提醒",
    "clock_breached": "超时督办",
    "dispatch_needed": "待派单",
    "repeat_received": "重复反映",
    "supervised": "督办",
    "follow_up": "补充说明",
    "reopened": "重办",
    "extension_requested": "延期申请",
    "extension_decided": "延期审批结果",
    "chased": "催办",
    "withdrawn": "企业已撤回",
    "rating_reminder": "请评价",
}


# --- what the enterprise reads after filing -----------------------------------------------------

FOLLOW_UP_USAGE = "用法：/followup 编号 补充内容"
CHASE_USAGE = "用法：/chase 编号"
RATE_USAGE = (
    "用法：/rate 编号 分数(1-5) [已解决|未解决] [评价]\n"
    "例如：/rate 20261125-0001 5 已解决 办得很快\n"
    "选“未解决”时工单将退回承办单位重新办理。"
)
#: the words /rate understands after the score
SOLVED_WORDS = {"已解决": True, "解决": True, "未解决": False, "没解决": False}


def followed_up(number: str) -> str:
    return f"补充说明已转给承办单位（工单 {number}）。"


def chased(number: str) -> str:
    return f"已向承办单位催办（工单 {number}），请耐心等待办理结果。"


def rated(number: str, status: Status) -> str:
    if status is Status.CLOSED:
        return f"感谢您的评价，工单 {number} 已结案。"
    return (
        f"已收到您的评价，工单 {number} 已退回承办单位重新办理"
        f"（当前状态：{STATUS_TITLES[status]}）。"
    )


# --- what officials read ------------------------------------------------------------------------

OFFICIAL_USAGE = {
    "signoff": "用法：/signoff 编号",
    "reply": "用法：/reply 编号 回复内容",
    "resolve": "用法：/resolve 编号 办结说明",
    "transfer": "用法：/transfer 编号 单位 理由",
    "return": "用法：/return 编号 理由",
    "dispatch": "用法：/dispatch 编号 单位",
    "void": "用法：/void 编号 理由（测试、无意义或骚扰信息标记为无效工单，不计入统计）",
}
PROMPTS = {
    "re": "请发送对工单 {number} 的回复内容（将转给企业）。发送 /cancel 取消。",
    "rs": "请发送工单 {number} 的办结说明。发送 /cancel 取消。",
    "tr": "请按“单位 理由”发送工单 {number} 的转派单位和理由，例如：区发改委 不属于本单位职责。"
    "发送 /cancel 取消。",
    "rt": "请发送工单 {number} 的退单理由（退回派单员重新确定承办单位）。发送 /cancel 取消。",
    "dp": "请发送工单 {number} 的承办单位名称（可用简称，如“区税务局”“税务”）。发送 /cancel 取消。",
    "vd": "请发送把工单 {number} 标记为无效的理由（将告知企业）。发送 /cancel 取消。",
    "xr": "请发送驳回延期申请 {number} 的理由（将告知承办单位）。发送 /cancel 取消。",
    "sv": "请发送对工单 {number} 的督办意见（将发给承办单位，并记入办理记录）。发送 /cancel 取消。",
}
CANCELLED = "已取消，未作任何更改。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。"
EMPTY_QUEUE = "本单位目前没有在办的诉求。"
EMPTY_DISPATCH_QUEUE = "目前没有待派单的诉求。"

_DONE = {
    "so": "已签收工单 {number}，企业已收到通知。请及时回复企业并按时办结。",
    "re": "回复已发送给企业（工单 {number}）。",
    "rs": "工单 {number} 已办结，已请企业评价。",
    "tr": "工单 {number} 已转派至 {unit}。",
    "rt": "工单 {number} 已退回派单员。",
    "dp": "工单 {number} 已派至 {unit}。",
    "vd": "工单 {number} 已标记为无效，不计入统计，已告知企业。",
    "xa": "已批准工单 {number} 的延期申请，新的截止时间已通知承办单位和企业。",
    "xr": "已驳回工单 {number} 的延期申请，已告知承办单位。",
    "sv": "督办意见已发送给{unit}（工单 {number}），并已记入办理记录。",
}


def prompt(action: str, number: str) -> str:
    return PROMPTS[action].format(number=number)


def done(action: str, number: str, unit: str | None) -> str:
    return _DONE[action].format(number=number, unit=unit or "")


def queue(complaints: Sequence[Complaint], zone: tzinfo, empty: str = EMPTY_QUEUE) -> str:
    if not complaints:
        return empty
    lines = [f"共 {len(complaints)} 件："]
    for c in complaints:
        received = show_local(c.created_at, zone, seconds=False)
        lines.append(
            f"{c.number}  {STATUS_TITLES[c.status]}  受理于 {received}\n  {excerpt(c.text, 40)}"
        )
    lines.append("操作：/signoff 编号、/reply 编号 内容、/resolve 编号 说明")
    return "\n".join(lines)
