"""The report as text: the full table for the command line, and the short weekly push for a
phone (the district's line, the three worst and three best units, the hot topics).

Owns the wording and layout only; the figures, the ranking and the hot topics come from the
report service (``bot.services.reports``) as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.figures import Figure
from bot.domain.ranking import RANKED_TITLES, RankedUnit, best_and_worst

if TYPE_CHECKING:
    from bot.services.reports import WeeklyReport

#: the district's rates in the push, in order, with their short titles
PHONE_RATES = (
    ("response", "响应率"),
    ("reply_on_time", "按期回复率"),
    ("resolution", "解决率"),
    ("satisfaction", "满意率"),
)
#: how many units the push names at each end of the ranking
PHONE_UNITS = 3
#: how much of a hot topic's sample the push shows
PHONE_SAMPLE = 26
PHONE_TOPICS = 3


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def short_rate(rate: float | None) -> str:
    """A rate as short as it can be without rounding 99.95% up to 100%: ``95.5%``, ``100%``."""
    if rate is None:
        return "—"
    text = f"{rate * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%" if text != "100" or rate >= 1 else "99.9%"


def ranking_lines(report: WeeklyReport) -> list[str]:
    """The ranking as lines of text: position, unit, score and the three rates; a unit scored
    on only some of the rates is starred and the note says so."""
    if not report.ranking:
        return []
    rule = report.ranking_rule
    head = f"单位排名（{rule.source or '综合得分'}：{rule.describe()}）：" if rule else "单位排名："
    lines = [head]
    partial = False
    for r in report.ranking:
        if r.position is None:
            continue
        star = "" if r.complete else "*"
        partial = partial or not r.complete
        rates = "，".join(f"{RANKED_TITLES[k]} {_rate(v)}" for k, v in r.rates.items())
        lines.append(f"{r.position}. {r.unit}{star} {r.score or 0:.1f} 分（{rates}）")
    unranked = [r.unit for r in report.ranking if r.position is None]
    if unranked:
        lines.append(f"未排名（尚无可计分的指标）：{'、'.join(unranked)}")
    if partial:
        lines.append("* 部分指标尚无数据，按已有指标折算得分")
    return lines


def render_text(report: WeeklyReport) -> str:
    """The whole report: one row per unit with every figure, the ranking, the hot topics."""
    keys = [f.key for f in report.units[0].figures] if report.units else []
    titles = [f.title for f in report.units[0].figures] if report.units else []
    lines = [f"偃师区“有诉即办”统计 {report.week}（{report.start[:10]} 起）", ""]
    header = ["单位", "受理", "办结", "超期在办", *titles]
    lines.append(" | ".join(header))
    for unit in report.units:
        shown = {f.key: f.shown() for f in unit.figures}
        row = [
            unit.unit,
            str(unit.counts.received),
            str(unit.counts.resolved),
            str(unit.counts.overdue_open),
            *(shown[k] for k in keys),
        ]
        lines.append(" | ".join(row))
    district = report.units[0] if report.units else None
    if district is not None:
        resolution = next(f for f in district.figures if f.key == "resolution")
        verdict = {True: "达标", False: "未达标", None: "无数据"}[resolution.met]
        lines += ["", f"全区解决率 {resolution.shown()}（目标 90%，{verdict}）"]
    if report.ranking:
        lines += ["", *ranking_lines(report)]
    if report.hot_topics:
        lines += ["", "热点诉求（多家企业反映的同类问题）："]
        lines += [
            f"- {t.sample_text}（{t.complaints} 件，{t.enterprises} 家企业）"
            for t in report.hot_topics
        ]
    return "\n".join(lines)


# --- the weekly push, for a phone -----------------------------------------------------------------


def _district_rate(figure: Figure | None, title: str) -> str:
    if figure is None or figure.rate is None:
        return f"{title} —（尚无可计的事项）"
    if figure.target is None:
        return f"{title} {short_rate(figure.rate)}"
    verdict = "达标" if figure.met else "未达标"
    return f"{title} {short_rate(figure.rate)}（目标 {figure.target * 100:.0f}%，{verdict}）"


def _unit_lines(unit: RankedUnit) -> list[str]:
    star = "" if unit.complete else "*"
    rates = "，".join(
        f"{RANKED_TITLES[k].removesuffix('率')} {short_rate(v)}" for k, v in unit.rates.items()
    )
    return [f"{unit.position}. {unit.unit}{star} {unit.score or 0:.1f} 分", f"  {rates}"]


def _sample(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PHONE_SAMPLE else text[: PHONE_SAMPLE - 1] + "…"


def render_phone(report: WeeklyReport) -> str:
    """The weekly push: a few short lines that read on a phone without scrolling sideways."""
    counted = report.as_of[5:16].replace("T", " ")
    first, last = report.first_day, report.last_day
    lines = [
        f"偃师区“有诉即办”周报 {report.week}",
        f"{first.month}月{first.day}日—{last.month}月{last.day}日"
        + (f" · 截至 {counted}" if counted else ""),
        "",
    ]
    district = report.units[0] if report.units else None
    counts = district.counts if district is not None else None
    if counts is None or counts.received == 0:
        lines.append("【全区】本周没有受理诉求。")
        if counts is not None and counts.overdue_open:
            lines.append(f"超期在办 {counts.overdue_open} 件")
    else:
        lines += [
            f"【全区】受理 {counts.received} 件，办结 {counts.resolved} 件",
            f"超期在办 {counts.overdue_open} 件",
        ]
        by_key = {f.key: f for f in district.figures} if district is not None else {}
        lines += [_district_rate(by_key.get(key), title) for key, title in PHONE_RATES]
    best, worst = best_and_worst(report.ranking, PHONE_UNITS)
    ranked = sum(1 for r in report.ranking if r.position is not None)
    if worst:
        lines += ["", "【排名靠后】"]
        for unit in worst:
            lines += _unit_lines(unit)
    if best:
        lines += ["", "【排名靠前】"]
        for unit in best:
            lines += _unit_lines(unit)
    if ranked and report.ranking_rule is not None:
        lines += ["", f"共 {ranked} 个单位参与排名", f"计分：{report.ranking_rule.describe()}"]
        if any(not r.complete for r in (*best, *worst)):
            lines.append("* 部分指标尚无数据，按已有指标折算")
    if report.hot_topics:
        lines += ["", "【热点】"]
        for t in report.hot_topics[:PHONE_TOPICS]:
            lines += [f"· {_sample(t.sample_text)}", f"  {t.complaints} 件，{t.enterprises} 家企业"]
        if len(report.hot_topics) > PHONE_TOPICS:
            lines.append(f"另有 {len(report.hot_topics) - PHONE_TOPICS} 个热点，见完整报表")
    return "\n".join(lines)


def render_unit_phone(report: WeeklyReport, unit: str) -> str:
    """One unit's weekly push (``report`` is ``unit_view``'s): the unit's own line and rates
    against their targets, its place in the district's ranking, and the district's line."""
    counted = report.as_of[5:16].replace("T", " ")
    first, last = report.first_day, report.last_day
    lines = [
        f"偃师区“有诉即办”周报 {report.week}",
        f"{unit} · {first.month}月{first.day}日—{last.month}月{last.day}日"
        + (f" · 截至 {counted}" if counted else ""),
        "",
    ]
    own = next((u for u in report.units if u.counts.unit == unit), None)
    if own is None or own.counts.received == 0:
        lines.append("【本单位】本周没有受理诉求。")
        if own is not None and own.counts.overdue_open:
            lines.append(f"超期在办 {own.counts.overdue_open} 件")
    else:
        c = own.counts
        lines += [
            f"【本单位】受理 {c.received} 件，办结 {c.resolved} 件",
            f"超期在办 {c.overdue_open} 件",
        ]
        by_key = {f.key: f for f in own.figures}
        lines += [_district_rate(by_key.get(key), title) for key, title in PHONE_RATES]
    ranked = next((r for r in report.ranking if r.unit == unit), None)
    if ranked is not None and ranked.position is not None:
        star = "" if ranked.complete else "（部分指标尚无数据，按已有指标折算）"
        lines += ["", f"全区排名：第 {ranked.position} 名，{ranked.score or 0:.1f} 分{star}"]
    district = next((u for u in report.units if u.counts.unit is None), None)
    if district is not None and district.counts.received:
        resolution = next((f for f in district.figures if f.key == "resolution"), None)
        lines += [
            "",
            f"【全区】受理 {district.counts.received} 件，办结 {district.counts.resolved} 件，"
            f"解决率 {short_rate(None if resolution is None else resolution.rate)}",
        ]
    return "\n".join(lines)
