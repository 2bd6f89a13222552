"""The weekly push's files: the chart (sent as a photo) and the ledger (sent as a document),
drawn from one week's report as the district or a unit sees it (``bot.services.weekly_push``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.ledger import Ledger
from bot.services.reports import TrendWeek, WeeklyReport
from bot.services.weekly_push import PushFile


def weekly_files(
    report: WeeklyReport, trend: Sequence[TrendWeek], ledger: Ledger, unit: str | None = None
) -> list[PushFile]:
    """The chart (PNG) and the ledger (.xlsx, with the chart in it), named by the week and,
    for one unit's view, the unit."""
    from handlers.reports.chart import render_chart  # noqa: PLC0415 - loads matplotlib
    from handlers.reports.ledger import ledger_bytes  # noqa: PLC0415

    whose = f"-{unit}" if unit else ""
    chart = render_chart(report, trend)
    return [
        PushFile("photo", f"周报{whose}-{report.week}.png", chart),
        PushFile(
            "document",
            f"台账{whose}-{report.week}.xlsx",
            ledger_bytes(report, ledger, chart_png=chart),
        ),
    ]
