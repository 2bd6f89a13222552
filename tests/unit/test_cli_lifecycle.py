"""The `yousu complaint|officials|report|db` commands on a real SQLite file, as an operator
would use them, including their errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from bot.cli import main


@pytest.fixture(autouse=True)
def _data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def wednesday() -> Iterator[datetime]:
    """Wednesday 2026-11-25 10:00 in Shanghai (ISO week 2026-W48), clock ticking."""
    moment = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=True):
        yield moment


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_a_complaint_through_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    ack = _json(capsys, ["complaint", "submit", "--as", "cli:firm", "申请用电增容两个月了没有回音"])
    assert isinstance(ack, dict) and ack["status"] == "routed"
    number, unit = ack["number"], ack["lead_unit"]
    assert main(["officials", "add", "--unit", "供电公司", "--telegram-id", "111"]) == 0
    assert "已登记" in capsys.readouterr().out
    signed = _json(capsys, ["complaint", "sign-off", "--as", "telegram:111", number])
    assert signed == {
        "number": number,
        "status": "signed_off",
        "lead_unit": unit,
        "met": ["response"],
    }
    status = _json(capsys, ["complaint", "status", "--as", "cli:firm", number])
    assert isinstance(status, dict)
    assert [e["kind"] for e in status["events"]] == ["submitted", "routed", "signed_off"]
    # someone else's complaint, a bad number, an illegal step: named errors, exit 2
    assert main(["complaint", "status", "--as", "cli:other", number]) == 2
    assert main(["complaint", "status", "--as", "cli:firm", "20261301-0001"]) == 2
    assert main(["complaint", "rate", "--as", "cli:firm", number, "5"]) == 2
    assert main(["complaint", "status", "--as", "nocolon", number]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "当前状态为“已签收”，不能评价" in err


def test_officials_add_refuses_unknown_units_with_the_closest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["officials", "add", "--unit", "区市场监督管理局", "--telegram-id", "7"]) == 0
    assert "区市场监管局" in capsys.readouterr().out
    assert main(["officials", "add", "--unit", "市场监督管局", "--telegram-id", "8"]) == 2
    assert "最接近" in capsys.readouterr().err
    assert main(["officials", "add", "--unit", "各镇办", "--telegram-id", "9"]) == 2
    assert main(["officials", "add", "--telegram-id", "9", "--role", "handler"]) == 2
    assert main(["officials", "add", "--telegram-id", "-4", "--unit", "区税务局"]) == 2
    assert main(["officials", "add", "--telegram-id", "10", "--role", "supervisor"]) == 0
    # the same Telegram id again updates the official
    assert (
        main(["officials", "add", "--unit", "税务局", "--telegram-id", "7", "--name", "王五"]) == 0
    )
    capsys.readouterr()
    listed = _json(capsys, ["officials", "list", "--json"])
    assert isinstance(listed, list)
    assert {(o["telegram_id"], o["unit"], o["name"]) for o in listed} == {
        (7, "区税务局", "王五"),
        (10, None, ""),
    }


def test_roster_import_is_all_or_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "telegram_id,unit,name,role\n101,区税务局,甲,handler\nabc,区税务局,乙,\n"
        "102,火星局,丙,\n103,,丁,handler\n104,区税务局,戊,boss\n",
        encoding="utf-8-sig",
    )
    assert main(["officials", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert all(f"第{n}行" in err for n in (3, 4, 5, 6)) and "第2行" not in err
    assert _json(capsys, ["officials", "list", "--json"]) == []
    good = tmp_path / "good.csv"
    good.write_text(
        "\ufefftelegram_id,unit,name,role\n101,税务局,甲,\n102,,乙,supervisor\n", encoding="utf-8"
    )
    assert main(["officials", "import", str(good)]) == 0
    assert "已导入 2 人" in capsys.readouterr().out
    for content in (
        b"",
        b"\x00\x01binary",
        "telegram_id,unit\n1,区税务局\n".encode("gbk") + b"\xff",
    ):
        path = tmp_path / "x.csv"
        path.write_bytes(content)
        assert main(["officials", "import", str(path)]) == 2
    header = tmp_path / "header.csv"
    header.write_text("id,department\n1,区税务局\n", encoding="utf-8")
    assert main(["officials", "import", str(header)]) == 2
    assert main(["officials", "import", str(tmp_path / "missing.csv")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_weekly_report_json_and_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], travelled_today: datetime
) -> None:
    _json(capsys, ["complaint", "submit", "--as", "cli:firm", "银行突然抽贷，资金链要断了"])
    ledger = tmp_path / "out" / "ledger.xlsx"
    # by default the last complete week: the one before today's, so the complaint is not in it
    report = _json(capsys, ["report", "weekly", "--json", "--xlsx", str(ledger)])
    year, week, _ = (travelled_today.date() - timedelta(days=7)).isocalendar()
    assert isinstance(report, dict) and report["week"] == f"{year}-W{week:02d}"
    assert report["units"][0]["unit"] == "全区" and report["units"][0]["received"] == 0
    assert load_workbook(ledger).active.cell(1, 1).value == "单位"
    year, week, _ = travelled_today.date().isocalendar()
    this_week = tmp_path / "this-week.xlsx"
    argv = ["report", "weekly", "--week", f"{year}-W{week:02d}", "--json", "--xlsx", str(this_week)]
    report = _json(capsys, argv)
    assert isinstance(report, dict) and report["units"][0]["received"] == 1
    workbook = load_workbook(this_week)
    [order] = workbook["台账"].iter_rows(min_row=2, values_only=True)
    assert order[0].startswith(f"{travelled_today:%Y%m%d}-") and order[2] == "cli:firm"
    assert len(workbook["统计图"]._images) == 1
    assert main(["report", "weekly", "--week", "2026-W99"]) == 2


def test_the_chart_of_a_week_and_of_a_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wednesday: datetime
) -> None:
    from PIL import Image  # noqa: PLC0415

    from handlers.reports.chart import chart_size  # noqa: PLC0415

    _json(capsys, ["complaint", "submit", "--as", "cli:firm", "银行突然抽贷，资金链要断了"])
    chart = tmp_path / "out" / "week.png"
    assert main(["report", "weekly", "--week", "2026-W48", "--png", str(chart)]) == 0
    assert f"图表已导出 / chart written: {chart}" in capsys.readouterr().out
    with Image.open(chart) as image:
        assert image.size == chart_size(2)  # the district and the one unit
    month = tmp_path / "month.png"
    argv = ["report", "period", "--from", "2026-11-01", "--to", "2026-11-30", "--png", str(month)]
    assert main([*argv, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["units"][0]["received"] == 1 and "chart written" in err
    with Image.open(month) as image:
        image.load()


def test_db_upgrade_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current"]) == 0
    assert "空库" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0
    assert "最新" in capsys.readouterr().out


def test_unreachable_database_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://root@127.0.0.1:1/test")
    assert main(["complaint", "submit", "--as", "cli:firm", "办电难"]) == 2
    err = capsys.readouterr().err
    assert "数据库暂时不可用" in err and "Traceback" not in err


def test_report_for_any_period(
    capsys: pytest.CaptureFixture[str], travelled_today: datetime
) -> None:
    _json(capsys, ["complaint", "submit", "--as", "cli:firm", "办电太慢了"])
    today = travelled_today.date()
    month = ["--from", today.replace(day=1).isoformat(), "--to", today.isoformat()]
    report = _json(capsys, ["report", "period", *month, "--json"])
    assert isinstance(report, dict) and report["units"][0]["received"] == 1
    yesterday = (today - timedelta(days=1)).isoformat()
    report = _json(
        capsys, ["report", "period", "--from", "2026-01-01", "--to", yesterday, "--json"]
    )
    assert isinstance(report, dict) and report["units"][0]["received"] == 0
    with pytest.raises(SystemExit):
        main(["report", "period", "--from", "2026-13-01", "--to", "2026-11-30"])
    assert main(["report", "period", "--from", "2026-11-30", "--to", "2026-11-01"]) == 2


def test_one_sweep_pass_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    _json(capsys, ["complaint", "submit", "--as", "cli:firm", "申请用电增容两个月了没有回音"])
    # the response minute of a complaint filed now has not run out yet
    assert _json(capsys, ["sweep", "--once"]) == {"warned": 0, "breached": 0, "auto_closed": 0}


def test_a_backlog_imported_twice_is_filed_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    backlog = tmp_path / "backlog.jsonl"
    lines = [
        json.dumps({"text": "申请用电增容两个月了没有回音", "ref": "B-1", "from": "http:12345"}),
        json.dumps({"text": "银行突然抽贷，资金链要断了", "ref": "B-2", "from": "http:12345"}),
    ]
    backlog.write_text("\n".join(lines), encoding="utf-8")
    assert main(["complaint", "import", str(backlog), "--batch", "1"]) == 0
    out, err = capsys.readouterr()
    first = json.loads(out)
    assert first["filed"] == 2 and first["skipped"] == 0 and len(first["numbers"]) == 2
    assert "1/2" in err and "2/2" in err  # progress, batch by batch, on stderr
    again = _json(capsys, ["complaint", "import", str(backlog)])
    assert (
        isinstance(again, dict) and again["filed"] == 0 and again["skipped_refs"] == ["B-1", "B-2"]
    )
    backlog.write_text(lines[0] + "\n{broken\n", encoding="utf-8")
    assert main(["complaint", "import", str(backlog)]) == 2
    err = capsys.readouterr().err
    assert "第2行" in err and "Traceback" not in err
    assert main(["complaint", "import", str(tmp_path / "missing.jsonl")]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_the_weekly_summary_is_sent_to_supervisors_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["officials", "add", "--telegram-id", "901", "--role", "supervisor"]) == 0
    capsys.readouterr()
    assert main(["report", "weekly", "--week", "2026-W48", "--send"]) == 0
    out, err = capsys.readouterr()
    assert "已推送给 1 人" in err and "全区" in out
    assert main(["report", "weekly", "--week", "2026-W48", "--send"]) == 0
    assert "已推送给 0 人" in capsys.readouterr().err
