"""`yousu run` without a token runs the local demo from the real knowledge base."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.run import interactive
from bot.config import load_settings
from knowledge.base import load_knowledge_base


@pytest.fixture(autouse=True)
def _no_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_demo_shows_the_knowledge_base_an_answer_and_routes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--no-input"]) == 0
    out = capsys.readouterr().out
    kb = load_knowledge_base()
    plan = sum(1 for m in kb.measures if m.doc == "2023-plan")
    assert f"2023年实施方案 {plan} 条举措" in out
    # the sample question is about company registration: measure 16 answers it
    assert "1个工作日" in out
    # the financing sample gets the 1330 policy with its milestones
    assert "1330" in out and "取得联系" in out
    # the power sample goes to the power company
    assert "供电" in out
    # ...and a complaint walks its whole lifecycle on the SQLite file in the data folder
    assert "受理：工单 " in out and "当前状态：已结案" in out
    for kind in ("submitted", "routed", "signed_off", "replied", "resolved", "rated", "closed"):
        assert f" {kind} " in out
    assert "本周全区：受理 1 件" in out


def test_demo_runs_again_on_the_same_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["run", "--no-input"]) == 0
    assert main(["run", "--no-input"]) == 0
    out = capsys.readouterr().out
    assert "-0002" in out and "本周全区：受理 2 件" in out
    assert (tmp_path / "yousu.sqlite3").exists()


def test_interactive_answers_questions_and_routes_complaints() -> None:
    settings = load_settings(_env_file=None)
    source = io.StringIO("诉求：银行突然抽贷，企业资金链要断了\n\n不会被读到\n")
    out = io.StringIO()
    interactive(settings, source, out)
    text = out.getvalue()
    assert "1330" in text
    assert "不会被读到" not in text


def test_interactive_reports_bad_input_politely() -> None:
    settings = load_settings(_env_file=None)
    out = io.StringIO()
    interactive(settings, io.StringIO("诉求：   \x00\n"), out)
    assert "Traceback" not in out.getvalue()


def test_start_up_warns_when_next_year_has_no_holiday_data(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the shipped calendar covers 2026, so on 2026-11-25 a deadline can run into 2027
    from datetime import UTC, datetime  # noqa: PLC0415

    from bot.clock import SystemClock  # noqa: PLC0415

    monkeypatch.setattr(SystemClock, "now", lambda _self: datetime(2026, 11, 25, 2, tzinfo=UTC))
    assert main(["run", "--no-input"]) == 0
    assert any("2027" in r.getMessage() and r.name == "bot.app" for r in caplog.records)
