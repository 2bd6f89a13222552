"""The supervisors' dashboard: who gets a link, who a presented link admits, and what its
pages show (a period's figures per unit against the targets, the ranking, the overdue orders,
the trend, the hot topics, one order's whole history).

Owns the decisions; signing is ``bot.domain.dashboard_links``, the figures are the report
service's (``bot.services.reports``) as they are, so the dashboard and ``yousu report`` never
disagree, and the pages are drawn by ``handlers.http.dashboard``. Supervisors, dispatchers and
admins get a district link; a unit admin gets a link for the own unit. A link admits only
while the official it was given to is still active and still holds a role that may have it.
The enterprise's own words of a confidential complaint (its text, follow-ups, chases, reasons
for reopening, rating comments) and who filed it are never shown: the dashboard is read in a
browser from a link that can be passed on (``Reader.DASHBOARD``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.domain.confidentiality import Reader, may_name
from bot.domain.confidentiality import quote as quote_words
from bot.domain.dashboard_links import DashboardGrant, DashboardRefused, sign, verify
from bot.domain.figures import figures, parse_week
from bot.domain.lifecycle import ComplaintNotFound, PermissionDenied
from bot.domain.ranking import RankedUnit
from bot.domain.records import (
    Actor,
    Complaint,
    Event,
    EventKind,
    HotTopic,
    OverdueOrder,
    Rating,
    Role,
    SlaClock,
    UnitCounts,
)
from bot.errors import InvalidInput, YousuError
from bot.services.context import ServiceContext
from bot.services.reports import (
    TrendWeek,
    UnitReport,
    WeeklyReport,
    current_week_label,
    district_trend,
    period_report,
    weekly_report,
)
from bot.services.steps import load_complaint, load_official

if TYPE_CHECKING:
    from bot.config import Settings

#: roles whose link shows the whole district
DISTRICT_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})
#: the longest period one page adds up
MAX_PERIOD_DAYS = 366
#: how many overdue orders a page lists (the count above it is of all)
OVERDUE_SHOWN = 100
#: how much of a complaint's text the overdue list quotes
EXCERPT = 60
#: the events that enterprises write: their words are withheld when confidential
ENTERPRISE_WORDS = frozenset(
    {EventKind.FOLLOWED_UP, EventKind.CHASED, EventKind.REOPENED, EventKind.RATED}
)


class DashboardDisabled(YousuError):
    code = "dashboard_disabled"
    http_status = 503

    def __init__(self) -> None:
        super().__init__(
            "督办看板未启用（管理员尚未设置 DASHBOARD_SECRET）",
            "the dashboard is off: DASHBOARD_SECRET is not set",
        )


class LinkRevoked(DashboardRefused):
    def __init__(self) -> None:
        super().__init__(
            "该链接已失效（持有人的权限已变更），请在机器人中发送 /dashboard 重新获取",
            "the official the link was given to no longer holds a role that may have it",
        )


class OrderNotShown(YousuError):
    """An unknown number and another unit's order look alike: numbers reveal nothing."""

    code = "order_not_found"
    http_status = 404

    def __init__(self, number: str) -> None:
        super().__init__(
            f"没有编号为 {number} 的工单（或该工单不在本链接的查看范围内）",
            f"no order {number} within this link's scope",
        )


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """How links are made: the signing key (None: dashboard off), the address people reach
    ``yousu serve`` at, and how long a link lasts."""

    secret: str | None
    base_url: str
    hours: float = 24.0


def link_settings(settings: Settings) -> LinkSettings:
    """``DASHBOARD_SECRET``, ``PUBLIC_BASE_URL`` and ``DASHBOARD_LINK_HOURS``."""
    secret = settings.dashboard_secret
    return LinkSettings(
        None if secret is None else secret.get_secret_value(),
        settings.public_base_url,
        settings.dashboard_link_hours,
    )


@dataclass(frozen=True, slots=True)
class DashboardLink:
    url: str
    unit: str | None  # None: the district
    expires_at: datetime


def link_path(token: str) -> str:
    return f"/dashboard?t={quote(token, safe='')}"


async def issue_link(ctx: ServiceContext, actor: Actor, links: LinkSettings) -> DashboardLink:
    """A link for ``actor``: the district for supervisors, dispatchers and admins, the own
    unit for a unit admin; anyone else is refused."""
    if links.secret is None:
        raise DashboardDisabled()
    async with ctx.uow_factory() as uow:
        official = await load_official(uow, actor)
    if official.role in DISTRICT_ROLES:
        unit = None
    elif official.role is Role.UNIT_ADMIN and official.unit:
        unit = official.unit
    else:
        raise PermissionDenied(
            "督办看板只提供给督办人、派单员、管理员和单位管理员",
            f"{official.role.value} may not have a dashboard link",
        )
    expires = ctx.clock.now() + timedelta(hours=links.hours)
    token = sign(DashboardGrant(official.telegram_id, unit, expires), links.secret)
    return DashboardLink(links.base_url.rstrip("/") + link_path(token), unit, expires)


async def admit(ctx: ServiceContext, secret: str | None, token: str | None) -> DashboardGrant:
    """The grant a presented link stands for: signed with ``secret``, not expired, and its
    official still active and still entitled to it; otherwise a ``DashboardRefused``."""
    if secret is None:
        raise DashboardDisabled()
    grant = verify(token, secret, ctx.clock.now())
    async with ctx.uow_factory() as uow:
        official = await uow.officials.by_telegram_id(grant.telegram_id)
    entitled = (
        official is not None
        and official.active
        and (
            official.role in DISTRICT_ROLES
            or (
                grant.unit is not None
                and official.role is Role.UNIT_ADMIN
                and official.unit == grant.unit
            )
        )
    )
    if not entitled:
        raise LinkRevoked()
    return grant


# --- the overview ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Overview:
    report: WeeklyReport
    #: whose page: None for the district, else the unit's name
    unit: str | None
    #: the figures of the page's subject (the district's, or the unit's; None: nothing yet)
    subject: UnitReport | None
    #: the units' rows (district pages only)
    units: tuple[UnitReport, ...]
    #: the ranking (all units on a district page; the unit alone on a unit page)
    ranking: tuple[RankedUnit, ...]
    ranked_units: int
    trend: tuple[TrendWeek, ...]
    overdue_total: int
    overdue: tuple[OverdueOrder, ...]
    hot_topics: tuple[HotTopic, ...]
    #: the units a district link may switch to
    unit_names: tuple[str, ...] = ()
    #: the page is the current week (so far)
    current_week: bool = False


def _day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{name}格式不对：{text!r}（应为 2026-11-01 这样的日期）",
            f"malformed date {text!r} (expected YYYY-MM-DD)",
        ) from None
    if not 2000 <= day.year <= 2100:
        raise InvalidInput(f"{name}超出范围：{text}", f"date out of range: {text}")
    return day


async def choose_report(
    ctx: ServiceContext, week: str | None, first: str | None, last: str | None
) -> WeeklyReport:
    """The period a page shows: ``first``..``last`` (inclusive local dates), or an ISO week,
    or by default the current week so far."""
    if first or last:
        if not (first and last):
            raise InvalidInput("请同时填写开始日期和结束日期", "give both from and to")
        start, end = _day(first, "开始日期"), _day(last, "结束日期")
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise InvalidInput(
                f"时段最长 {MAX_PERIOD_DAYS} 天", f"a period is at most {MAX_PERIOD_DAYS} days"
            )
        return await period_report(ctx, start, end)
    if week:
        parse_week(week)  # a clear error for a malformed week
        return await weekly_report(ctx, week.strip())
    return await weekly_report(ctx, current_week_label(ctx))


async def overview(
    ctx: ServiceContext,
    grant: DashboardGrant,
    *,
    unit: str | None = None,
    week: str | None = None,
    first: str | None = None,
    last: str | None = None,
) -> Overview:
    """One page of figures: the district's (a district link without ``unit``) or one unit's
    (a district link naming it, or a unit link, which names only its own)."""
    if unit is not None and not unit.strip():
        unit = None
    if unit is None and not grant.district:
        unit = grant.unit
    if unit is not None and unit != grant.unit:
        unit = ctx.canonical_unit(unit)  # an alias names its unit; an unknown name is a 400
    grant.check_unit(unit)
    report = await choose_report(ctx, week, first, last)
    trend = await district_trend(ctx, report, unit=unit)
    async with ctx.uow_factory() as uow:
        overdue_total, overdue = await uow.reports.overdue(ctx.clock.now(), unit, OVERDUE_SHOWN)
    by_unit = {u.counts.unit: u for u in report.units}
    ranked = [r for r in report.ranking if r.position is not None]
    if unit is None:
        subject, units, ranking = by_unit.get(None), report.units[1:], report.ranking
        topics = report.hot_topics
    else:
        nothing = UnitCounts(unit=unit)  # no complaint of the unit in the period
        subject = by_unit.get(unit) or UnitReport(unit, nothing, tuple(figures(nothing)))
        units = ()
        ranking = tuple(r for r in report.ranking if r.unit == unit)
        topics = tuple(t for t in report.hot_topics if t.lead_unit == unit)
    names = tuple(u.unit for u in report.units[1:]) if grant.district else ()
    return Overview(
        report,
        unit,
        subject,
        tuple(units),
        ranking,
        len(ranked),
        trend,
        overdue_total,
        tuple(overdue),
        topics,
        names,
        current_week=not (first or last or week),
    )


def overdue_excerpt(complaint: Complaint) -> str:
    return quote_words(
        complaint.text, confidential=complaint.confidential, reader=Reader.DASHBOARD, limit=EXCERPT
    )


# --- one order's history --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderHistory:
    complaint: Complaint
    #: the complaint's text as the dashboard may show it
    text: str
    #: the company's name, when the dashboard may name it
    company: str | None
    events: tuple[Event, ...]
    clocks: tuple[SlaClock, ...]
    ratings: tuple[Rating, ...]

    def said(self, event: Event) -> str:
        """What was written with ``event`` (a reply, a reason, a note), as it may be shown."""
        words = event.data.get("text") or event.data.get("summary") or event.reason or ""
        words = str(words)
        if event.kind in ENTERPRISE_WORDS and words:
            return quote_words(
                words,
                confidential=self.complaint.confidential,
                reader=Reader.DASHBOARD,
                limit=2000,
            )
        return words


async def order_history(ctx: ServiceContext, grant: DashboardGrant, number: str) -> OrderHistory:
    """Everything that happened to one order, oldest first; another unit's order (for a unit
    link) is answered as an unknown number is."""
    async with ctx.uow_factory() as uow:
        try:
            complaint = await load_complaint(uow, number)
        except (ComplaintNotFound, InvalidInput):
            raise OrderNotShown(number.strip()[:40]) from None
        if not grant.allows(complaint.lead_unit) or (
            not grant.district and complaint.lead_unit is None
        ):
            raise OrderNotShown(complaint.number)
        assert complaint.id is not None
        enterprise = await uow.enterprises.get(complaint.enterprise_id)
        events = tuple(await uow.events.for_complaint(complaint.id))
        clocks = tuple(await uow.clocks.for_complaint(complaint.id))
        ratings = tuple(await uow.ratings.for_complaint(complaint.id))
    named = may_name(confidential=complaint.confidential, reader=Reader.DASHBOARD)
    text = quote_words(
        complaint.text, confidential=complaint.confidential, reader=Reader.DASHBOARD, limit=5000
    )
    company = enterprise.company_name if enterprise is not None and named else None
    return OrderHistory(complaint, text, company, events, clocks, ratings)
