"""`yousu sla`: deadline (JSON and Chinese text), policies, coverage, and bad input -> exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # no .env from the developer's folder, a known display zone, the shipped SLA data
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    monkeypatch.delenv("SLA_DATA_DIR", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_deadline_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "sla",
        "deadline",
        "--policy",
        "1330",
        "--start",
        "2026-09-30T12:00:30+08:00",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["policy"] == "1330"
    assert data["start"] == "2026-09-30T12:00:30+08:00"
    assert data["estimated"] is False
    assert [(m["name"], m["due"]) for m in data["milestones"]] == [
        ("response", "2026-09-30T14:31:00+08:00"),
        ("contact", "2026-10-09T00:00:00+08:00"),
        ("feedback", "2026-10-11T00:00:00+08:00"),
        ("approval", "2026-11-18T00:00:00+08:00"),
    ]


def test_deadline_accepts_utc_and_shows_the_display_zone(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(
        capsys,
        "sla",
        "deadline",
        "--policy",
        "general",
        "--start",
        "2026-09-30T04:00:30Z",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["milestones"][0]["due"] == "2026-09-30T14:31:00+08:00"
    monkeypatch.setenv("TZ", "UTC")
    code, out, _ = run(
        capsys,
        "sla",
        "deadline",
        "--policy",
        "general",
        "--start",
        "2026-09-30T04:00:30Z",
        "--json",
    )
    assert json.loads(out)["milestones"][0]["due"] == "2026-09-30T06:31:00+00:00"


def test_deadline_estimated_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "sla",
        "deadline",
        "--policy",
        "general",
        "--start",
        "2027-03-01T10:00+08:00",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["estimated"] is True


def test_deadline_text_is_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "sla", "deadline", "--policy", "1330", "--start", "2026-09-30T12:00:30+08:00"
    )
    assert code == 0
    assert "取得联系" in out
    assert "2026-10-08 24:00" in out  # a day's end is shown as 24:00 of that day
    assert "2026-09-30 14:31:00" in out


@pytest.mark.parametrize(
    ("argv", "zh", "en"),
    [
        (
            ["--policy", "nope", "--start", "2026-09-30T12:00+08:00"],
            "未知的时限政策",
            "unknown SLA policy",
        ),
        (["--policy", "general", "--start", "2026-09-30T12:00"], "缺少时区", "no time zone"),
        (["--policy", "general", "--start", "yesterday"], "格式不对", "not an ISO 8601"),
        (["--policy", "general", "--start", ""], "格式不对", "not an ISO 8601"),
        (["--policy", "general", "--start", "2026-02-30T12:00+08:00"], "格式不对", "ISO 8601"),
        (["--policy", "general", "--start", "9999-12-31T23:00+08:00"], "超出支持范围", "outside"),
        (["--policy", "general", "--start", "x" * 100_000], "格式不对", "not an ISO 8601"),
    ],
)
def test_deadline_bad_input_is_bilingual_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], zh: str, en: str
) -> None:
    code, out, err = run(capsys, "sla", "deadline", *argv)
    assert code == 2
    assert out == ""
    assert zh in err and en in err
    assert "Traceback" not in err
    assert len(err) < 1_000


def test_policies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sla", "policies")
    assert code == 0
    for name in ("general", "1330", "procuratorate"):
        assert f"{name}：" in out
    assert "可延期 1 次、每次 1个月" in out
    code, out, _ = run(capsys, "sla", "policies", "--json")
    data = json.loads(out)
    assert [p["name"] for p in data] == ["general", "1330", "procuratorate"]
    reply = next(m for m in data[2]["milestones"] if m["name"] == "reply")
    assert reply["counting"] == "months" and reply["extension"]["max"] == 1


def test_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sla", "coverage", "--today", "2026-11-25", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["package_years"][0] == 2004 and data["package_years"][-1] == 2026
    assert "2027" in data["warning"]
    code, out, _ = run(capsys, "sla", "coverage", "--today", "2026-03-01")
    assert code == 0 and "均已覆盖" in out
    code, _, err = run(capsys, "sla", "coverage", "--today", "soon")
    assert code == 2 and "YYYY-MM-DD" in err


def test_sla_data_dir_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "calendar_overrides.toml").write_text(
        "[[year]]\nyear = 2027\nholidays = [{ from = 2027-01-01, to = 2027-01-07 }]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SLA_DATA_DIR", str(tmp_path))
    code, out, _ = run(
        capsys, "sla", "deadline", "--policy", "1330", "--start", "2026-12-31T10:00+08:00", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["estimated"] is False
    assert data["milestones"][1]["due"] == "2027-01-09T00:00:00+08:00"
