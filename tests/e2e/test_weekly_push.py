"""The weekly push end to end with a fixed clock: the bot's weekly job (the real loop, chart
and ledger drawn for real) queues the week just ended on Monday morning; supervisors get the
district's short text, the chart as a photo and the ledger as a document, each unit's officials
their own unit's; once per week and person, also after a restart of the job."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from bot.domain.records import Actor, Role
from bot.services import handling, weekly_push
from handlers.reports.files import weekly_files
from handlers.telegram.standin import BotApiStandIn
from tests.conftest import START
from tests.e2e.conftest import RunningBot
from tests.e2e.test_enterprise_bot import FIRM, POWER, _file
from tests.support import FixedClock, add_official

pytestmark = pytest.mark.e2e

SUPERVISOR, CLERK, IDLE = 870001, 870002, 870003
LICENCE = "企业办理营业执照变更登记一直没办下来，跑了三趟了"
#: Monday 2026-11-30 09:00 in Shanghai: the push of W48 is due
MONDAY = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


async def test_monday_brings_each_person_their_week_with_chart_and_ledger(
    api: BotApiStandIn, running_bot: RunningBot
) -> None:
    async with running_bot() as app:
        clock = FixedClock(START)
        app.services.clock = clock
        power = app.services.route(POWER).lead_unit
        assert power is not None
        await add_official(app.services.uow_factory, SUPERVISOR, None, Role.SUPERVISOR)
        await add_official(app.services.uow_factory, CLERK, power, Role.HANDLER)
        await add_official(app.services.uow_factory, IDLE, "区税务局", Role.HANDLER)
        number = await _file(api, FIRM, POWER)
        await _file(api, FIRM + 1, LICENCE)
        await handling.sign_off(app.services, Actor("telegram", str(CLERK)), number)
        clock.set(MONDAY)
        # the bot's weekly job (the real loop, checking often)
        job = asyncio.create_task(
            weekly_push.run_weekly_summaries(app.services, weekly_files, interval=0.05)
        )
        try:
            text = await api.wait_for_text(SUPERVISOR, "【每周统计】", within=60)
            chart = await api.wait_for_text(SUPERVISOR, "[photo:周报-2026-W48.png]", within=60)
            ledger = await api.wait_for_text(SUPERVISOR, "[document:台账-2026-W48.xlsx]")
            own = await api.wait_for_text(CLERK, "【每周统计】")
            await api.wait_for_text(CLERK, f"[document:台账-{power}-2026-W48.xlsx]", within=60)
        finally:
            job.cancel()
            await asyncio.gather(job, return_exceptions=True)
        # the job again (a restart): nothing is queued twice
        again = await weekly_push.send_weekly_summary(app.services, files=weekly_files)
    assert "偃师区“有诉即办”周报 2026-W48" in text and "【全区】受理 2 件" in text
    assert "统计图 全区 2026-W48" in chart and "台账 全区 2026-W48" in ledger
    assert f"{power} ·" in own and "【本单位】受理 1 件" in own
    assert api.messages_to(IDLE) == []  # an empty week is not pushed to that unit
    assert again == 0
    assert sum("【每周统计】" in t for t in api.messages_to(SUPERVISOR)) == 1
    # the files themselves: a PNG, and a workbook with the unit's orders only
    district_files = api.uploads_to(SUPERVISOR)
    unit_files = api.uploads_to(CLERK)
    assert [f.filename for f in district_files] == ["周报-2026-W48.png", "台账-2026-W48.xlsx"]
    assert district_files[0].content.startswith(b"\x89PNG")
    unit_book = load_workbook(io.BytesIO(unit_files[1].content))
    district_book = load_workbook(io.BytesIO(district_files[1].content))
    unit_numbers = [r[0] for r in unit_book["台账"].iter_rows(min_row=2, values_only=True)]
    district_numbers = [r[0] for r in district_book["台账"].iter_rows(min_row=2, values_only=True)]
    assert unit_numbers == [number] and len(district_numbers) == 2
