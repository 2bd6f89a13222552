"""Weekly figures counted by the database, checked against a small week built by hand."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from bot.domain.records import Role
from bot.errors import InvalidInput
from bot.services import reports, weekly_push
from bot.services.context import ServiceContext
from bot.services.ledger import Ledger
from bot.services.report_text import render_phone, render_text, render_unit_phone
from tests.services.report_week import week as _week
from tests.support import FixedClock, add_official


async def test_weekly_counts_and_rates(ctx: ServiceContext, clock: FixedClock) -> None:
    units = await _week(ctx, clock)
    report = await reports.weekly_report(ctx, "2026-W48")
    district = report.units[0]
    assert district.unit == "全区"
    c = district.counts
    assert (c.received, c.response_total, c.response_met) == (4, 4, 2)
    # clocks still running in time are not counted yet: the vague complaint's assignment
    # (end of the next working day) and first reply, the loan's feedback and approval
    assert (c.transfer_total, c.transfer_on_time) == (3, 3)
    assert (c.reply_total, c.reply_on_time) == (3, 3)  # first_reply x2 + the 1330 contact
    assert (c.resolved, c.confirmed_resolved, c.ratings, c.satisfied) == (1, 1, 2, 1)
    assert c.financing == {"contact": (1, 1)}
    rates = {f.key: f for f in district.figures}
    assert rates["response"].rate == 0.5 and rates["response"].met is False
    assert rates["resolution"].rate == 1.0 and rates["resolution"].met is True
    assert rates["1330_feedback"].rate is None  # not due yet: no figure rather than 0%
    power = next(u for u in report.units if u.unit == units["power"])
    assert (power.counts.received, power.counts.response_met) == (2, 1)
    assert {u.unit for u in report.units} == {"全区", units["power"], units["bank"]}
    text = render_text(report)
    assert "2026-W48" in text and "全区解决率 100.0%" in text


async def test_units_are_ranked_by_response_resolution_and_satisfaction(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    units = await _week(ctx, clock)
    report = await reports.weekly_report(ctx, "2026-W48")
    # the bank: response 1/1, nothing resolved or rated yet -> scored on response alone;
    # power: response 1/2, resolution 1/1, satisfaction 1/2 -> 5 + 45 + 22.5
    bank, power = report.ranking
    assert (bank.unit, bank.position, bank.score, bank.basis) == (
        units["bank"],
        1,
        100.0,
        ("response",),
    )
    assert (power.unit, power.position, power.complete) == (units["power"], 2, True)
    assert power.score == pytest.approx(72.5)
    data = report.as_dict()["ranking"]
    assert data["weights"] == {"response": 0.1, "resolution": 0.45, "satisfaction": 0.45}
    assert [u["unit"] for u in data["units"]] == [units["bank"], units["power"]]
    assert data["units"][1]["score"] == 72.5 and data["units"][0]["basis"] == ["response"]
    text = render_text(report)
    assert f"1. {units['bank']}* 100.0 分" in text and f"2. {units['power']} 72.5 分" in text
    assert "响应率 10%、解决率 45%、满意率 45%" in text and "按已有指标折算" in text


async def test_the_district_trend_covers_twelve_weeks_ending_with_the_report(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    from datetime import date  # noqa: PLC0415

    await _week(ctx, clock)
    report = await reports.weekly_report(ctx, "2026-W48")
    trend = await reports.district_trend(ctx, report)
    assert [w.week for w in trend] == [f"2026-W{n}" for n in range(37, 49)]
    assert trend[-1].monday == date(2026, 11, 23) and trend[0].monday == date(2026, 9, 7)
    assert [w.received for w in trend] == [0] * 11 + [4]
    assert trend[-1].figures == report.units[0].figures  # counted as the report counts
    # a period: the weeks up to the one its last day falls in (Monday 2026-11-30: W49)
    month = await reports.period_report(ctx, date(2026, 11, 1), date(2026, 11, 30))
    weeks = [w.week for w in await reports.district_trend(ctx, month, weeks=3)]
    assert weeks == ["2026-W47", "2026-W48", "2026-W49"]


async def test_an_empty_week_shows_dashes_not_errors(ctx: ServiceContext) -> None:
    report = await reports.weekly_report(ctx, "2026-W01")
    assert report.units[0].counts.received == 0
    assert all(f.rate is None for f in report.units[0].figures)
    assert report.ranking == () and "单位排名" not in render_text(report)
    assert "—" in render_text(report)


@pytest.mark.parametrize("week", ["", "2026W48", "2026-W54", "2026-W00", "W48"])
async def test_bad_weeks_are_refused(ctx: ServiceContext, week: str) -> None:
    with pytest.raises(InvalidInput):
        await reports.weekly_report(ctx, week)


async def test_missed_deadlines_count_once_they_pass(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await _week(ctx, clock)
    clock.advance(days=60)  # every deadline of that week has passed
    c = (await reports.weekly_report(ctx, "2026-W48")).units[0].counts
    assert (c.transfer_total, c.transfer_on_time) == (4, 3)  # the vague one never dispatched
    assert (c.reply_total, c.reply_on_time) == (4, 3)
    assert c.financing == {"contact": (1, 1), "feedback": (1, 0), "approval": (1, 0)}


async def test_any_period_counts_the_days_it_names(ctx: ServiceContext, clock: FixedClock) -> None:
    from datetime import date  # noqa: PLC0415

    await _week(ctx, clock)  # all on 2026-11-25
    same_day = await reports.period_report(ctx, date(2026, 11, 25), date(2026, 11, 25))
    before = await reports.period_report(ctx, date(2026, 11, 1), date(2026, 11, 24))
    assert same_day.units[0].counts.received == 4 and before.units[0].counts.received == 0
    with pytest.raises(InvalidInput):
        await reports.period_report(ctx, date(2026, 11, 25), date(2026, 11, 1))


async def test_the_weekly_push_reaches_the_district_and_each_unit_once(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    units = await _week(ctx, clock)  # handlers 11 (power) and 12 (bank)
    for telegram_id, role in ((501, Role.SUPERVISOR), (502, Role.SUPERVISOR), (503, Role.ADMIN)):
        await add_official(ctx.uow_factory, telegram_id, None, role)
    await add_official(ctx.uow_factory, 504, "区税务局", Role.HANDLER)  # an empty week
    assert await weekly_push.send_weekly_summary(ctx, "2026-W48") == 5
    assert await weekly_push.send_weekly_summary(ctx, "2026-W48") == 0  # once per week and person
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(clock.now(), "t", 60, 500)
    summaries = {m.address: m for m in messages if m.kind == "weekly_summary"}
    assert sorted(summaries) == ["11", "12", "501", "502", "503"]  # 504's week was empty
    assert all(m.payload["week"] == "2026-W48" for m in summaries.values())
    report = await reports.weekly_report(ctx, "2026-W48")
    district = summaries["501"].payload["text"]
    # the short text for a phone, not the command line's table
    assert district == render_phone(report) and "|" not in district
    assert "全区" in district and "解决率" in district and "【排名靠前】" in district
    power = summaries["11"].payload["text"]
    assert power == render_unit_phone(reports.unit_view(report, units["power"]), units["power"])
    assert f"{units['power']} ·" in power and "【本单位】受理 2 件，办结 1 件" in power
    assert "全区排名：第 2 名" in power and units["bank"] not in power
    assert "【本单位】受理 1 件" in summaries["12"].payload["text"]


async def test_a_push_by_hand_does_not_use_up_the_monday_push(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await _week(ctx, clock)
    await add_official(ctx.uow_factory, 501, None, Role.SUPERVISOR)
    assert await weekly_push.send_weekly_summary(ctx, "2026-W48", by_hand=True) == 3
    assert await weekly_push.send_weekly_summary(ctx, "2026-W48", by_hand=True) == 0
    assert await weekly_push.send_weekly_summary(ctx, "2026-W48") == 3  # Monday's still goes


async def test_an_empty_week_is_not_pushed_but_by_hand_it_is(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await add_official(ctx.uow_factory, 501, None, Role.SUPERVISOR)
    await add_official(ctx.uow_factory, 11, "区税务局", Role.HANDLER)
    assert await weekly_push.send_weekly_summary(ctx, "2026-W47") == 0
    assert await weekly_push.send_weekly_summary(ctx, "2026-W47", by_hand=True) == 2


async def test_the_push_carries_the_chart_and_the_ledger_as_stored_files(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    units = await _week(ctx, clock)
    await add_official(ctx.uow_factory, 501, None, Role.SUPERVISOR)
    drawn: list[tuple[str | None, int, int]] = []

    def files(
        report: reports.WeeklyReport,
        trend: Sequence[reports.TrendWeek],
        ledger: Ledger,
        unit: str | None,
    ) -> list[weekly_push.PushFile]:
        drawn.append((unit, len(report.units), len(ledger.orders)))
        assert len(trend) == reports.TREND_WEEKS
        name = unit or "全区"
        return [
            weekly_push.PushFile("photo", f"{name}.png", f"chart {name}".encode()),
            weekly_push.PushFile("document", f"{name}.xlsx", f"ledger {name}".encode()),
        ]

    assert await weekly_push.send_weekly_summary(ctx, "2026-W48", files) == 3
    # the district sees every order; a unit its own row beside the district's, its orders
    assert sorted(drawn, key=str) == sorted(
        [(None, 3, 4), (units["power"], 2, 2), (units["bank"], 2, 1)], key=str
    )
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(clock.now(), "t", 60, 500)
        to_power = [m for m in messages if m.address == "11" and m.kind.startswith("weekly")]
        assert [m.kind for m in to_power] == ["weekly_summary", "weekly_chart", "weekly_ledger"]
        stored = await uow.outbox_files.get(to_power[1].payload["file"])
        ledger_file = await uow.outbox_files.get(to_power[2].payload["file"])
    assert stored == (f"{units['power']}.png", f"chart {units['power']}".encode())
    assert ledger_file is not None and ledger_file[0] == f"{units['power']}.xlsx"
    assert to_power[1].payload["send_as"] == "photo"


def test_the_summary_is_due_from_monday_at_opening() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    monday_early = datetime(2026, 11, 30, 8, 29, tzinfo=zone)
    assert not weekly_push.summary_due(monday_early, zone)
    assert weekly_push.summary_due(monday_early + timedelta(minutes=1), zone)
    assert weekly_push.summary_due(datetime(2026, 12, 2, 3, 0, tzinfo=zone), zone)  # Wednesday
    assert not weekly_push.summary_due(datetime(2026, 12, 7, 0, 5, tzinfo=zone), zone)  # Monday


async def test_the_bot_process_queues_the_summary_once_and_then_stops_recomputing(
    ctx: ServiceContext, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _week(ctx, clock)
    await add_official(ctx.uow_factory, 601, None, Role.SUPERVISOR)
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=ZoneInfo("UTC")))  # Monday 09:00 Shanghai
    calls: list[str | None] = []
    real = weekly_push.send_weekly_summary

    async def counting(ctx_: ServiceContext, week: str | None = None, files: object = None) -> int:
        calls.append(week)
        return await real(ctx_, week)

    monkeypatch.setattr(weekly_push, "send_weekly_summary", counting)
    checks = 0
    five_checks = asyncio.Event()
    real_week = weekly_push.last_complete_week

    def counting_checks(now: datetime, zone: tzinfo) -> tuple[int, int]:
        nonlocal checks
        checks += 1
        if checks >= 5:
            five_checks.set()
        return real_week(now, zone)

    monkeypatch.setattr(weekly_push, "last_complete_week", counting_checks)
    loop = asyncio.create_task(weekly_push.run_weekly_summaries(ctx, interval=0.01))
    async with asyncio.timeout(60):  # however long the first report takes
        await five_checks.wait()
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert calls == ["2026-W48"]  # last week, once, however many checks ran
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(clock.now(), "t", 60, 500)
    assert sorted(m.address for m in messages if m.kind == "weekly_summary") == ["11", "12", "601"]
