"""An operator's mistakes on the command line: exit code 2 and a Chinese message saying what
to change, never a traceback (a database or role that does not exist, a MySQL or driverless
URL, a SQLite path that cannot be written or is not a database, a backlog with NUL bytes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.cli import main
from tests.sql_backends import postgres_url

COMMANDS = (
    ["db", "current"],
    ["db", "upgrade"],
    ["complaint", "submit", "--as", "cli:x", "办电难"],
)


@pytest.fixture(autouse=True)
def _data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)


def _refused(capsys: pytest.CaptureFixture[str], url: str) -> str:
    """Every command refuses ``url`` (set as DATABASE_URL) the same way; returns the
    message."""
    assert os.environ["DATABASE_URL"] == url
    messages = set()
    for argv in COMMANDS:
        assert main(argv) == 2, argv
        _out, err = capsys.readouterr()
        assert "Traceback" not in err and err.startswith("错误："), err
        messages.add(err.splitlines()[0])
    assert len(messages) == 1, messages
    return messages.pop()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://app:s3cret-pw@db.example/yousu", "不支持的数据库地址：mysql://app:***@"),
        ("postgresql://root@127.0.0.1/test", "请写成 postgresql+asyncpg://"),
        ("sqlite:///data/x.sqlite3", "请写成 sqlite+aiosqlite://"),
        ("not a url", "数据库地址 DATABASE_URL 无法识别"),
    ],
)
def test_urls_yousu_cannot_use(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    message = _refused(capsys, url)
    assert expected in message and "postgresql+asyncpg://用户:密码@主机:端口/库名" in message
    assert "s3cret-pw" not in message


@pytest.fixture
def server() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip("YOUSU_TEST_POSTGRES_URL is empty: PostgreSQL tests are off")
    return url


@pytest.mark.postgres
def test_a_postgres_database_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    url = make_url(server).set(database="yousu_no_such_db").render_as_string(False)
    monkeypatch.setenv("DATABASE_URL", url)
    message = _refused(capsys, url)
    assert "上没有数据库“yousu_no_such_db”" in message and "createdb yousu_no_such_db" in message


@pytest.mark.postgres
def test_a_postgres_role_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    url = make_url(server).set(username="yousu_no_such_role", password="pw")
    monkeypatch.setenv("DATABASE_URL", url.render_as_string(False))
    message = _refused(capsys, url.render_as_string(False))
    assert "没有用户（角色）“yousu_no_such_role”" in message
    assert ":***@" in message and ":pw@" not in message


def _sqlite(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def test_a_sqlite_path_under_a_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("x")
    url = _sqlite(tmp_path / "a-file" / "yousu.sqlite3")
    monkeypatch.setenv("DATABASE_URL", url)
    assert "路径中有同名的文件" in _refused(capsys, url)


def test_a_sqlite_path_that_is_a_folder_or_not_a_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", _sqlite(tmp_path))
    assert "是一个文件夹" in _refused(capsys, _sqlite(tmp_path))
    notes = tmp_path / "notes.txt"
    notes.write_text("这不是数据库" * 200, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", _sqlite(notes))
    assert "该文件不是 SQLite 数据库" in _refused(capsys, _sqlite(notes))
    assert notes.read_text(encoding="utf-8").startswith("这不是数据库")  # left as it was


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write in: immutable when the tests run as root (who ignores
    permissions), read-only otherwise."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        made = chattr and subprocess.run([chattr, "+i", str(folder)], check=False).returncode
        if chattr is None or made != 0:
            pytest.skip("running as root without chattr +i: cannot make a folder read-only")
        try:
            yield folder
        finally:
            subprocess.run([chattr, "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)


def test_an_unwritable_sqlite_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, read_only_folder: Path
) -> None:
    url = _sqlite(read_only_folder / "yousu.sqlite3")
    monkeypatch.setenv("DATABASE_URL", url)
    assert "中创建 SQLite 数据库文件：没有写入权限" in _refused(capsys, url)
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("DATA_DIR", str(read_only_folder / "data"))  # the default file, in it
    assert main(["complaint", "mine", "--as", "cli:x"]) == 2
    err = capsys.readouterr().err
    assert "无法创建 SQLite 数据库所在的文件夹" in err and "Traceback" not in err


def test_a_backlog_with_nul_bytes_is_listed_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    backlog = tmp_path / "backlog.jsonl"
    lines = [
        json.dumps({"text": "申请用电增容两个月了没有回音", "ref": "A\x00B"}),
        json.dumps({"text": "银行突然抽贷", "from": "http:caller\x00"}),
        json.dumps({"text": "办证难", "ref": "\ud800"}),
        "[" * 100_000,
    ]
    backlog.write_text("\n".join(lines), encoding="utf-8")
    assert main(["complaint", "import", str(backlog)]) == 2
    err = capsys.readouterr().err
    assert all(f"第{n}行" in err for n in (1, 2, 3, 4)) and "Traceback" not in err
