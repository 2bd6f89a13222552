"""Drawing the dashboard's pages: the jinja2 environment, its filters and the page functions.

Owns the HTML (templates beside this module, Chinese text, autoescaped) and how values are
shown: rates as the report shows them (``Figure.shown``), times in the service's zone, a
deadline at midnight as 24:00 of the day before. Every figure comes from the dashboard service
as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from functools import cache
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.domain.figures import Figure
from bot.domain.lifecycle import STATUS_TITLES
from bot.domain.local_time import show_local
from bot.domain.ranking import RANKED_TITLES
from bot.domain.records import EventKind
from bot.domain.sla import SlaEngine
from handlers.http.render import milestone_title

#: the figures shown as cards and columns, in order
SHOWN_FIGURES = ("response", "reply_on_time", "timely_transfer", "resolution", "satisfaction")
#: the rates of the trend table
TREND_FIGURES = ("response", "reply_on_time", "resolution", "satisfaction")

EVENT_TITLES: dict[EventKind, str] = {
    EventKind.SUBMITTED: "受理",
    EventKind.ROUTED: "派单",
    EventKind.SENT_TO_DISPATCHER: "待派单员确认",
    EventKind.CO_UNITS_INFORMED: "通知配合单位",
    EventKind.SIGNED_OFF: "承办单位签收",
    EventKind.REPLIED: "单位答复",
    EventKind.FOLLOWED_UP: "企业补充说明",
    EventKind.CHASED: "企业催办",
    EventKind.SUPERVISED: "督办",
    EventKind.TRANSFERRED: "转派",
    EventKind.RETURNED: "退单",
    EventKind.EXTENSION_REQUESTED: "申请延期",
    EventKind.EXTENSION_APPROVED: "延期获批",
    EventKind.EXTENSION_REFUSED: "延期被驳回",
    EventKind.RESOLVED: "办结",
    EventKind.REOPENED: "重办",
    EventKind.RATED: "企业评价",
    EventKind.CLOSED: "结案",
    EventKind.AUTO_CLOSED: "自动结案",
    EventKind.MERGED: "并入原工单（重复件）",
    EventKind.WITHDRAWN: "企业撤回",
    EventKind.VOIDED: "标记无效",
    EventKind.REPEAT_RECEIVED: "企业再次反映",
    EventKind.CLOCK_WARNED: "时限即将到期提醒",
    EventKind.CLOCK_BREACHED: "时限超时",
}
SCORE_TITLES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("handlers.http.dashboard", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        STATUS_TITLES=STATUS_TITLES,
        EVENT_TITLES=EVENT_TITLES,
        SCORE_TITLES=SCORE_TITLES,
        RANKED_TITLES=RANKED_TITLES,
        SHOWN_FIGURES=SHOWN_FIGURES,
        TREND_FIGURES=TREND_FIGURES,
        figure=figure,
        rate=rate,
        target=target,
        met_class=met_class,
        duration=duration,
    )
    return env


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


def figure(figures: Any, key: str) -> Figure | None:
    return next((f for f in figures if f.key == key), None)


def rate(value: Figure | float | None) -> str:
    """A figure or a rate as the report shows it: ``95.0%``, or ``—`` when nothing counts."""
    if isinstance(value, Figure):
        return value.shown()
    return "—" if value is None else f"{value * 100:.1f}%"


def target(value: Figure | None) -> str:
    if value is None or value.target is None:
        return "无目标"
    return f"目标 {value.target * 100:.0f}%"


def met_class(value: Figure | None) -> str:
    if value is None or value.met is None:
        return "na"
    return "met" if value.met else "missed"


def duration(delta: timedelta) -> str:
    """``2天3小时``, ``5小时12分``, ``8分钟``: how long ago a deadline passed."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{mins}分"
    return f"{mins}分钟"


class Formatter:
    """Times and milestone titles in the service's zone and SLA data."""

    def __init__(self, zone: tzinfo, sla: SlaEngine) -> None:
        self.zone = zone
        self._sla = sla

    def when(self, moment: datetime | None) -> str:
        return "—" if moment is None else show_local(moment, self.zone, seconds=False)

    def milestone(self, policy: str, name: str) -> str:
        if name == "assignment":
            return "转办（派至承办单位）"
        return milestone_title(self._sla, policy, name)


def page_url(path: str, token: str, **params: str | None) -> str:
    """A dashboard address carrying the link's token and the page's parameters."""
    query: Mapping[str, str] = {"t": token, **{k: v for k, v in params.items() if v}}
    return f"{path}?{urlencode(query)}"
