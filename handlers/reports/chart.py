"""The report chart (周报图, PNG): every unit's response, on-time reply, resolution and
satisfaction rates against their targets, and the district's trend over the last 12 weeks.

Drawn with matplotlib's Agg renderer on a figure of its own (no pyplot, so no global figure
state and no display), in the CJK font that ``handlers.reports.fonts`` registers. The picture's
size follows from the number of units alone (``chart_size``), so callers and tests know it in
advance. The figures come from the report service as they are; nothing is computed here but
positions and colours.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.domain.figures import Figure
from bot.services.reports import TrendWeek, UnitReport, WeeklyReport
from handlers.reports.fonts import font_families, missing_glyphs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

log = logging.getLogger(__name__)

#: the rates drawn, in panel order, with their short titles
CHART_RATES: tuple[tuple[str, str], ...] = (
    ("response", "响应率"),
    ("reply_on_time", "按期回复率"),
    ("resolution", "解决率"),
    ("satisfaction", "满意率"),
)
DPI = 100
WIDTH = 14.0  # inches
ROW = 0.3  # inches per unit
FIXED = 1.9  # inches: the title, the panels' titles and axes, the note
TREND = 3.6  # inches: the trend panel
MIN_ROWS = 4

MET = "#2e7d32"
MISSED = "#c62828"
NO_TARGET = "#1565c0"
GRID = "#dddddd"
TREND_COLOURS = {
    "response": "#6a1b9a",
    "reply_on_time": "#ef6c00",
    "resolution": "#2e7d32",
    "satisfaction": "#1565c0",
}
NOTE = (
    "绿色：达标；红色：未达标；蓝色：无目标；“—”：尚无可计的事项（时限未到且未完成）。"
    "单位按综合得分排序（见文字报表的排名），星号为部分指标尚无数据、按已有指标折算。"
)


def chart_size(units: int) -> tuple[int, int]:
    """Width and height in pixels of the chart of a report with ``units`` rows (the district
    and each unit)."""
    return round(WIDTH * DPI), round(_height(units) * DPI)


def _height(rows: int) -> float:
    return FIXED + max(rows, MIN_ROWS) * ROW + TREND


def chart_rows(report: WeeklyReport) -> list[tuple[str, UnitReport]]:
    """The rows top to bottom: the district, then the units in ranking order."""
    by_name = {u.unit: u for u in report.units if u.counts.unit is not None}
    rows = [("全区", u) for u in report.units if u.counts.unit is None]
    for ranked in report.ranking:
        unit = by_name.pop(ranked.unit, None)
        if unit is None:
            continue
        star = "" if ranked.complete or ranked.position is None else "*"
        label = f"{ranked.position}. {unit.unit}{star}" if ranked.position else unit.unit
        rows.append((label, unit))
    rows += [(name, unit) for name, unit in sorted(by_name.items())]  # any left unranked
    return rows


def _figure(figures: Sequence[Figure], key: str) -> Figure | None:
    return next((f for f in figures if f.key == key), None)


def _colour(figure: Figure | None) -> str:
    if figure is None or figure.target is None:
        return NO_TARGET
    return MET if figure.met else MISSED


def _title(report: WeeklyReport) -> str:
    first, last = report.first_day, report.last_day
    counted = report.as_of[:16].replace("T", " ")
    days = f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
    period = f"{report.week}（{days}）" if "-W" in report.week else days
    return f"偃师区“有诉即办”统计 {period}\n各单位指标与目标 · 统计截至 {counted}"


def _week_label(week: TrendWeek) -> str:
    return f"W{week.week[-2:]}\n{week.monday:%m-%d}"


def render_chart(report: WeeklyReport, trend: Sequence[TrendWeek]) -> bytes:
    """The chart as PNG bytes (``chart_size(len(chart_rows(report)))`` pixels)."""
    from matplotlib import rc_context  # noqa: PLC0415 - matplotlib only when drawing
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure as MplFigure  # noqa: PLC0415
    from matplotlib.ticker import PercentFormatter  # noqa: PLC0415

    rows = chart_rows(report)
    texts = [_title(report), NOTE, *(label for label, _ in rows)]
    texts += [title for _, title in CHART_RATES] + [_week_label(w) for w in trend]
    missing = missing_glyphs(texts)
    if missing:
        log.warning("chart text has characters no font can draw: %s", "".join(missing))

    with rc_context(
        {
            "font.family": font_families(),
            "font.size": 9,
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        figure = MplFigure(figsize=(WIDTH, _height(len(rows))), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(_title(report), fontsize=13)
        figure.supxlabel(NOTE, fontsize=8, color="#555555")
        units_height = max(len(rows), MIN_ROWS) * ROW + 0.9
        grid = figure.add_gridspec(2, len(CHART_RATES), height_ratios=[units_height, TREND])
        positions = list(range(len(rows)))
        first_axes = None
        for column, (key, title) in enumerate(CHART_RATES):
            axes = figure.add_subplot(grid[0, column], sharey=first_axes)
            first_axes = first_axes or axes
            shown = [_figure(unit.figures, key) for _, unit in rows]
            values = [0.0 if f is None or f.rate is None else min(f.rate, 1.0) for f in shown]
            axes.barh(positions, values, height=0.68, color=[_colour(f) for f in shown])
            for y, figure_ in zip(positions, shown, strict=True):
                rate = None if figure_ is None else figure_.rate
                text = "—" if rate is None else f"{rate * 100:.0f}%"
                axes.text((0.0 if rate is None else min(rate, 1.0)) + 0.02, y, text, va="center")
            target = next((f.target for f in shown if f is not None), None)
            if target is not None:
                axes.axvline(target, color="#424242", linestyle="--", linewidth=1)
                axes.set_title(f"{title}（目标 {target * 100:.0f}%）", fontsize=11)
            else:
                axes.set_title(f"{title}（无目标）", fontsize=11)
            axes.axhspan(-0.5, 0.5, color="#eeeeee", zorder=0)  # the district's row
            axes.set_xlim(0, 1.22)
            axes.set_xticks([0, 0.5, 1.0])
            axes.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
            axes.grid(axis="x", color=GRID, linewidth=0.6)
            axes.set_axisbelow(True)
            if column == 0:
                axes.set_yticks(positions, [label for label, _ in rows])
                axes.set_ylim(max(len(rows), MIN_ROWS) - 0.5, -0.5)  # the district on top
            else:
                axes.tick_params(labelleft=False)
        _draw_trend(figure.add_subplot(grid[1, :]), trend)
        output = io.BytesIO()
        figure.savefig(output, format="png", dpi=DPI)
    return output.getvalue()


def _draw_trend(axes: Axes, trend: Sequence[TrendWeek]) -> None:
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    xs = list(range(len(trend)))
    counts = axes.twinx()
    counts.bar(xs, [w.received for w in trend], width=0.6, color="#e0e0e0", label="受理件数")
    counts.set_ylabel("受理件数")
    counts.yaxis.set_major_locator(MaxNLocator(integer=True))
    counts.set_ylim(0, max([w.received for w in trend] + [1]) * 1.25)
    counts.spines["right"].set_visible(True)
    axes.set_zorder(counts.get_zorder() + 1)  # the lines over the bars
    axes.patch.set_visible(False)
    for key, title in CHART_RATES:
        values = []
        for week in trend:
            figure = _figure(week.figures, key)
            rate = None if figure is None else figure.rate
            values.append(math.nan if rate is None else rate * 100)
        axes.plot(
            xs, values, marker="o", markersize=4, color=TREND_COLOURS[key], label=f"全区{title}"
        )
    axes.axhline(100, color="#424242", linestyle="--", linewidth=1, label="目标 100%")
    axes.axhline(90, color="#424242", linestyle=":", linewidth=1, label="解决率目标 90%")
    axes.set_ylim(0, 128)  # room above 100% for the legend
    axes.set_yticks(range(0, 101, 20))
    axes.set_ylabel("比例（%）")
    axes.set_xticks(xs, [_week_label(w) for w in trend])
    axes.set_xlim(-0.6, max(len(trend), 1) - 0.4)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_title(f"全区近 {len(trend)} 周趋势（按受理周统计）", fontsize=11)
    axes.legend(loc="upper center", ncols=6, fontsize=8, frameon=False)
