"""The settings and `.env.example` stay in step, and bad settings fail clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _example_keys() -> set[str]:
    keys = set()
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=", line)
        if match:
            keys.add(match.group(1))
    return keys


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    assert _example_keys() == fields


def test_every_example_setting_has_a_comment_line_above_it() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            assert lines[index - 1].startswith("#"), f"no comment above {line!r}"


def test_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, database_url="", _env_file=None)
    assert settings.effective_database_url == (
        f"sqlite+aiosqlite:///{(tmp_path / 'yousu.sqlite3').as_posix()}"
    )


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PORT", "9999")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "   ")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.http_port == 9999
    assert settings.telegram_bot_token is None


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        load_settings(tz="Mars/Olympus", _env_file=None)


def test_token_is_secret() -> None:
    settings = load_settings(telegram_bot_token="123:abc", _env_file=None)
    assert "123:abc" not in repr(settings)
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123:abc"


def test_dashboard_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="at least 16 characters"):
        load_settings(dashboard_secret="short", _env_file=None)
    with pytest.raises(ValidationError, match="must start with http"):
        load_settings(public_base_url="yousu.example.gov.cn", _env_file=None)
    with pytest.raises(ValidationError):
        load_settings(dashboard_link_hours=0, _env_file=None)
    settings = load_settings(
        dashboard_secret=" ", public_base_url="https://x.gov.cn/", _env_file=None
    )
    assert settings.dashboard_secret is None  # empty: the dashboard is off
    assert settings.public_base_url == "https://x.gov.cn"
    secret = load_settings(dashboard_secret="s" * 16, _env_file=None)
    assert "s" * 16 not in repr(secret)
