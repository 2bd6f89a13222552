"""A service never replaces a lost SQLite database with an empty one: `serve`, `run` (with a
token) and `sweep` refuse to start when the configured file is missing (exit 2, saying what to
do); a first deployment creates it on purpose (`yousu db upgrade` or ``--create-database``),
and is told so."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

SERVICES = (
    ["serve", "--port", "0"],
    ["run", "--no-input"],
    ["sweep", "--once"],
)


@pytest.fixture(autouse=True)
def _data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:not-used-the-start-is-refused-first")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


@pytest.mark.parametrize("argv", SERVICES, ids=lambda argv: argv[0])
def test_a_service_refuses_a_missing_database_and_creates_nothing(
    argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(argv) == 2
    _out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert "数据库文件" in err and "不存在" in err and "yousu db upgrade" in err, err
    assert "--create-database" in err
    assert not (tmp_path / "data").exists()


def test_db_upgrade_creates_it_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "已新建空数据库" in capsys.readouterr().out
    assert (tmp_path / "data" / "yousu.sqlite3").exists()
    assert main(["sweep", "--once"]) == 0  # now it is there: the service starts
    assert main(["db", "upgrade"]) == 0
    assert "已新建" not in capsys.readouterr().out  # the second time nothing is created


def test_create_database_flag_creates_it(tmp_path: Path) -> None:
    assert main(["sweep", "--once", "--create-database"]) == 0
    assert (tmp_path / "data" / "yousu.sqlite3").exists()
