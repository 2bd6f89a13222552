"""The ledger (台账) as a spreadsheet (.xlsx, openpyxl), readable in Excel and WPS.

Sheets, in order: the figures (one row per unit, the district first; rates as percentages,
with the targets below the table), 台账 (one row per complaint: number, received, enterprise,
unit, measure, status, each deadline and when it was met, late ones marked, rating), 排名 (the
ranking), 统计图 (the PNG chart, when given), 图表 (a native bar chart drawn from the figures
table, so it follows the table in the spreadsheet program's own fonts) and 热点 (hot topics).
Every column has a width fitted to its contents.

Times are local (the report's zone): received and met as spreadsheet date-times, deadlines as
text in the rules' wording (a deadline at midnight reads "24:00" of the day before).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from bot.domain.local_time import show_local
from bot.domain.ranking import RANKED_TITLES
from bot.services.ledger import Ledger, LedgerOrder
from bot.services.reports import WeeklyReport

#: the figures the native chart compares across units (those the plans set targets for)
CHART_FIGURES = ("response", "reply_on_time", "timely_transfer", "resolution")
PERCENT = "0.0%"
DATETIME = "yyyy-mm-dd hh:mm"
SCORE = "0.0"
LATE_FILL = "FFCDD2"  # light red
LATE_FONT = "B71C1C"
HEADER_FILL = "E3F2FD"
MAX_WIDTH = 48
ORDERS_SHEET = "台账"
FIGURE_COLUMNS = ("单位", "受理", "办结", "超期在办", "超时次数")


def write_ledger(
    report: WeeklyReport,
    ledger: Ledger | None,
    path: Path,
    *,
    chart_png: bytes | None = None,
) -> Path:
    """Write the spreadsheet to ``path`` (folders made as needed) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ledger_bytes(report, ledger, chart_png=chart_png))
    return path


def ledger_bytes(
    report: WeeklyReport, ledger: Ledger | None, *, chart_png: bytes | None = None
) -> bytes:
    """The spreadsheet as the bytes of an .xlsx file (to send as a document)."""
    from openpyxl import Workbook  # noqa: PLC0415 - only needed for exports

    workbook = Workbook()
    figures = workbook.active
    _figures_sheet(figures, report)
    if ledger is not None:
        _orders_sheet(workbook.create_sheet(ORDERS_SHEET), ledger, _zone(report))
    _ranking_sheet(workbook.create_sheet("排名"), report)
    if chart_png is not None:
        _picture_sheet(workbook.create_sheet("统计图"), chart_png)
    _add_native_chart(workbook, figures, report)
    _topics_sheet(workbook.create_sheet("热点"), report)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _zone(report: WeeklyReport) -> tzinfo:
    zone = datetime.fromisoformat(report.start).tzinfo
    assert zone is not None
    return zone


def _header(sheet: Any, titles: Sequence[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415

    sheet.append(list(titles))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    sheet.freeze_panes = "B2"


def _figures_sheet(sheet: Any, report: WeeklyReport) -> None:
    sheet.title = report.week[:31]
    first = report.units[0].figures if report.units else ()
    positions = {r.unit: r for r in report.ranking}
    _header(sheet, [*FIGURE_COLUMNS, *(f.title for f in first), "排名", "综合得分"])
    rate_columns = range(len(FIGURE_COLUMNS) + 1, len(FIGURE_COLUMNS) + len(first) + 1)
    for unit in report.units:
        ranked = positions.get(unit.unit) if unit.counts.unit is not None else None
        sheet.append(
            [
                unit.unit,
                unit.counts.received,
                unit.counts.resolved,
                unit.counts.overdue_open,
                unit.counts.breaches,
                *(f.rate for f in unit.figures),
                None if ranked is None else ranked.position,
                None if ranked is None or ranked.score is None else round(ranked.score, 2),
            ]
        )
    last = sheet.max_row
    sheet.append([])
    sheet.append(["目标", None, None, None, None, *(f.target for f in first)])
    sheet.append([f"统计截至 {report.as_of[:16].replace('T', ' ')}；“空白”为尚无可计的事项"])
    for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row):
        for cell in row:
            if cell.column in rate_columns:
                cell.number_format = PERCENT
            elif cell.column == len(FIGURE_COLUMNS) + len(first) + 2:
                cell.number_format = SCORE
    _fit(sheet, skip_rows=(last + 3,))
    if last >= 2:
        sheet.auto_filter.ref = f"A1:{_letter(sheet.max_column)}{last}"


def _orders_sheet(sheet: Any, ledger: Ledger, zone: tzinfo) -> None:
    from openpyxl.styles import Font, PatternFill  # noqa: PLC0415

    titles = ["工单编号", "受理时间", "企业", "承办单位", "举措", "时限政策", "状态"]
    for _, title in ledger.milestones:
        titles += [f"{title}时限", f"{title}完成"]
    titles += ["超时环节", "评分", "是否解决"]
    _header(sheet, titles)
    fill = PatternFill("solid", fgColor=LATE_FILL)
    font = Font(color=LATE_FONT)
    first_deadline = 8
    for row, order in enumerate(ledger.orders, start=2):  # (max_row counts every cell)
        sheet.append(_order_row(order, ledger, zone))
        sheet.cell(row, 2).number_format = DATETIME
        for index, (milestone, _) in enumerate(ledger.milestones):
            deadline = order.deadline(milestone)
            met = sheet.cell(row, first_deadline + 2 * index + 1)
            met.number_format = DATETIME
            if deadline is not None and deadline.late:
                for cell in (sheet.cell(row, first_deadline + 2 * index), met):
                    cell.fill = fill
                    cell.font = font
        if order.late:
            sheet.cell(row, len(titles) - 2).font = font
    _fit(sheet)
    if ledger.orders:
        sheet.auto_filter.ref = f"A1:{_letter(len(titles))}{len(ledger.orders) + 1}"


def _order_row(order: LedgerOrder, ledger: Ledger, zone: tzinfo) -> list[Any]:
    measure = " ".join(p for p in (order.measure_id, order.measure_title) if p)
    row: list[Any] = [
        order.number,
        _local(order.received_at, zone),
        order.enterprise,
        order.unit or "待派单",
        measure,
        order.policy,
        order.status,
    ]
    for milestone, _ in ledger.milestones:
        deadline = order.deadline(milestone)
        if deadline is None:
            row += [None, None]
            continue
        met = (
            _local(deadline.met_at, zone)
            if deadline.met_at
            else ("未完成" if deadline.late else None)
        )
        row += [show_local(deadline.due_at, zone, seconds=False), met]
    row.append("、".join(f"{ledger.title(m)}超时" for m in order.late))
    row += [order.score, order.solved]
    return row


def _local(moment: datetime | None, zone: tzinfo) -> datetime | None:
    """A naive local date-time (spreadsheets have no time zones), to the minute."""
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def _ranking_sheet(sheet: Any, report: WeeklyReport) -> None:
    rule = report.ranking_rule
    keys = list(rule.weights) if rule else list(RANKED_TITLES)
    _header(
        sheet, ["名次", "单位", "综合得分", *(RANKED_TITLES[k] for k in keys), "受理", "计分指标"]
    )
    for r in report.ranking:
        basis = "全部" if r.complete else "、".join(RANKED_TITLES[k] for k in r.basis) or "无"
        sheet.append(
            [
                r.position,
                r.unit,
                None if r.score is None else round(r.score, 2),
                *(r.rates.get(k) for k in keys),
                r.received,
                basis,
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        row[2].number_format = SCORE
        for cell in row[3 : 3 + len(keys)]:
            cell.number_format = PERCENT
    if rule is not None:
        sheet.append([])
        sheet.append([f"{rule.source}：{rule.describe()}；部分指标尚无数据的按已有指标折算"])
        _fit(sheet, skip_rows=(sheet.max_row,))
    else:
        _fit(sheet)


def _picture_sheet(sheet: Any, png: bytes) -> None:
    from openpyxl.drawing.image import Image  # noqa: PLC0415 - reads the size with Pillow

    picture = Image(io.BytesIO(png))
    sheet.add_image(picture, "A1")


def _add_native_chart(workbook: Any, sheet: Any, report: WeeklyReport) -> None:
    """A bar chart of the units' targeted rates on a sheet of its own, drawn from the figures
    table (so it shows whatever the table says; spreadsheet programs render it in their fonts)."""
    from openpyxl.chart import BarChart, Reference  # noqa: PLC0415 - only for exports

    if not report.units:
        return
    keys = [f.key for f in report.units[0].figures]
    chart = BarChart()
    chart.type = "bar"  # horizontal: 45 unit names read better down the side
    chart.title = f"{report.week} 各单位指标（目标：响应、按期回复、及时转办 100%，解决率 90%）"
    chart.y_axis.title = "比例"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.number_format = "0%"
    chart.height = max(8.0, 0.55 * len(report.units))
    chart.width = 24.0
    last = len(report.units) + 1
    for key in CHART_FIGURES:
        if key in keys:
            column = len(FIGURE_COLUMNS) + 1 + keys.index(key)
            data = Reference(sheet, min_col=column, min_row=1, max_row=last)
            chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=last))
    workbook.create_sheet("图表").add_chart(chart, "A1")


def _topics_sheet(sheet: Any, report: WeeklyReport) -> None:
    _header(sheet, ["热点", "件数", "企业数", "示例", "举措"])
    for t in report.hot_topics:
        sheet.append([t.topic_key, t.complaints, t.enterprises, t.sample_text, t.measure_id])
    _fit(sheet)


def _width(value: Any) -> int:
    """Display width: a CJK character takes two columns."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, float):
        return 8
    return sum(2 if ord(char) > 0x2E7F else 1 for char in str(value))


def _fit(sheet: Any, skip_rows: Iterable[int] = ()) -> None:
    """Each column as wide as its widest cell (within bounds); notes in ``skip_rows`` (long
    single-cell lines) do not widen their column."""
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    skip = set(skip_rows)
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.row in skip:
                continue
            widths[cell.column] = max(widths.get(cell.column, 0), _width(cell.value))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 6), MAX_WIDTH)


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    return str(get_column_letter(column))
