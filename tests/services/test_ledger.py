"""The ledger (台账): one row per order with its deadlines, late ones marked, confidential
filers never named; and the spreadsheet written from it (figures as percentages, column
widths, the chart embedded, the native chart drawn from the figures table)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from bot.domain.records import Actor
from bot.services import intake, reports
from bot.services.context import ServiceContext
from bot.services.ledger import CONFIDENTIAL, Ledger, ledger
from handlers.reports.chart import render_chart
from handlers.reports.ledger import (
    CHART_FIGURES,
    DATETIME,
    LATE_FILL,
    ORDERS_SHEET,
    PERCENT,
    write_ledger,
)
from tests.services.report_week import week
from tests.support import FixedClock

OPEN_FIRM = "明远机械有限公司"
SECRET_FIRM = "保密测试有限公司"


async def _named(ctx: ServiceContext, actor: Actor, name: str) -> None:
    async with ctx.uow_factory() as uow:
        firm = await uow.enterprises.get_or_create(actor)
        firm.company_name = name
        await uow.enterprises.save(firm)
        await uow.commit()


async def _ledger_week(ctx: ServiceContext, clock: FixedClock) -> tuple[dict[str, str], Ledger]:
    units = await week(ctx, clock)
    await _named(ctx, Actor("telegram", "70"), OPEN_FIRM)
    await _named(ctx, Actor("telegram", "71"), SECRET_FIRM)
    filed = await intake.submit_complaint(
        ctx, Actor("telegram", "70"), "公司注销太难了，跑了好几趟"
    )
    hidden = await intake.submit_complaint(
        ctx, Actor("telegram", "71"), "招投标里有人设门槛，我们不敢实名反映", confidential=True
    )
    units |= {"filed": filed.number, "hidden": hidden.number}
    clock.advance(days=10)  # counted later: deadlines nobody met are late by now
    report = await reports.weekly_report(ctx, "2026-W48")
    return units, await ledger(ctx, report)


async def test_one_row_per_order_with_each_deadline_and_lateness(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    units, rows = await _ledger_week(ctx, clock)
    report = await reports.weekly_report(ctx, "2026-W48")
    assert len(rows.orders) == report.units[0].counts.received == 6
    assert [o.received_at for o in rows.orders] == sorted(o.received_at for o in rows.orders)
    first, second, loan, vague, filed, hidden = rows.orders
    assert (first.enterprise, first.unit, first.status) == ("telegram:1", units["power"], "已结案")
    assert (first.score, first.solved, first.late) == (5, "已解决", ())
    assert (second.score, second.solved) == (2, "未解决")  # reopened: not resolved
    assert "response" in second.late  # signed off after five minutes
    response = second.deadline("response")
    assert response is not None and response.met_at is not None
    assert response.met_at > response.due_at
    assert (vague.unit, vague.status) == (None, "待派单")
    assert "assignment" in vague.late  # never dispatched, and long past its deadline
    assert loan.policy == "“1330”融资响应机制" and loan.deadline("contact") is not None
    assert (filed.number, filed.enterprise) == (units["filed"], OPEN_FIRM)
    assert (hidden.number, hidden.enterprise) == (units["hidden"], CONFIDENTIAL)
    names = [name for name, _ in rows.milestones]
    assert names[:2] == ["response", "assignment"]
    assert {"first_reply", "resolution", "contact", "feedback", "approval"} <= set(names)
    assert rows.title("assignment") == "转办" and rows.title("contact") == "取得联系"


async def test_the_spreadsheet_has_the_orders_the_figures_and_the_chart(
    ctx: ServiceContext, clock: FixedClock, tmp_path: Path
) -> None:
    units, rows = await _ledger_week(ctx, clock)
    report = await reports.weekly_report(ctx, "2026-W48")
    trend = await reports.district_trend(ctx, report)
    path = write_ledger(
        report, rows, tmp_path / "out" / "台账.xlsx", chart_png=render_chart(report, trend)
    )
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["2026-W48", ORDERS_SHEET, "排名", "统计图", "图表", "热点"]

    orders = workbook[ORDERS_SHEET]
    header = [c.value for c in orders[1]]
    assert header[:7] == ["工单编号", "受理时间", "企业", "承办单位", "举措", "时限政策", "状态"]
    assert header[-3:] == ["超时环节", "评分", "是否解决"]
    assert "转办时限" in header and "首次答复完成" in header
    table = {row[0].value: row for row in orders.iter_rows(min_row=2)}
    assert len(table) == 6
    hidden = table[units["hidden"]]
    assert hidden[header.index("企业")].value == CONFIDENTIAL
    assert table[units["filed"]][header.index("企业")].value == OPEN_FIRM
    received = hidden[header.index("受理时间")]
    assert received.number_format == DATETIME and isinstance(received.value, datetime)
    assert received.value.date().isoformat() == "2026-11-25"  # local time, as a date-time
    second = rows.orders[1]
    late_row = table[second.number]
    assert "响应（签收或回复）超时" in late_row[header.index("超时环节")].value
    due = late_row[header.index("响应（签收或回复）时限")]
    assert due.fill.fgColor.rgb.endswith(LATE_FILL) and isinstance(due.value, str)
    assert late_row[header.index("评分")].value == 2
    assert late_row[header.index("是否解决")].value == "未解决"
    # the confidential filer is named nowhere in the workbook
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            text = " ".join(str(v) for v in row if v is not None)
            assert SECRET_FIRM not in text and "telegram:71" not in text

    figures = workbook["2026-W48"]
    assert [c.value for c in figures[1]][:3] == ["单位", "受理", "办结"]
    district = [c for c in figures[2]]
    assert district[0].value == "全区" and district[1].value == 6
    response = district[5]  # the first figure: response
    assert response.number_format == PERCENT and 0 < response.value < 1
    assert figures.column_dimensions["A"].width >= 6
    assert orders.column_dimensions["E"].width > orders.column_dimensions["A"].width / 2
    assert len(workbook["统计图"]._images) == 1
    ranking = workbook["排名"]
    assert [c.value for c in ranking[1]][:3] == ["名次", "单位", "综合得分"]
    assert ranking.cell(2, 4).number_format == PERCENT


async def test_the_native_chart_compares_the_targeted_rates_of_every_unit(
    ctx: ServiceContext, clock: FixedClock, tmp_path: Path
) -> None:
    await week(ctx, clock)
    report = await reports.weekly_report(ctx, "2026-W48")
    workbook = load_workbook(write_ledger(report, None, tmp_path / "ledger.xlsx"))
    [chart] = workbook["图表"]._charts
    table = workbook[report.week]
    headers = [cell.value for cell in table[1]]
    plotted = []
    for series in chart.series:
        # each series is one figure column of the table, header row down to the last unit
        ref = series.val.numRef.f  # e.g. '2026-W48'!$F$1:$F$5 (title from the header row)
        sheet_name, cells = ref.rsplit("!", 1)
        assert sheet_name.strip("'") == report.week
        first, last = cells.replace("$", "").split(":")
        assert int(last[1:]) == len(report.units) + 1
        plotted.append(headers[table[first[0] + "1"].column - 1])
    titles = {f.key: f.title for f in report.units[0].figures}
    assert plotted == [titles[k] for k in CHART_FIGURES]
