"""One Settings object for the whole application, read from the environment and `.env`.

Every field here has a line in `.env.example`; `tests/unit/test_config.py` keeps the two in step.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")
#: the shortest key accepted for signing dashboard links
MIN_DASHBOARD_SECRET = 16


class Settings(BaseSettings):
    """Application settings. Environment variables use the upper-case field names."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    telegram_bot_token: SecretStr | None = Field(
        default=None, description="Telegram bot token; empty runs the local demo"
    )
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL (self-hosted Bot API server or a local stand-in)",
    )
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="folder for the SQLite file")
    database_url: str = Field(
        default="", description="SQLAlchemy async URL; empty means a SQLite file in data_dir"
    )
    database_schema: str | None = Field(
        default=None,
        description="PostgreSQL only: keep yousu's tables in this schema (a shared server)",
    )
    http_host: str = Field(default="127.0.0.1", description="HTTP API listen address")
    http_port: int = Field(default=8080, ge=0, le=65535, description="HTTP API port")
    http_api_keys: SecretStr | None = Field(
        default=None,
        description=(
            "Open311 API keys, comma-separated name:key pairs (e.g. 12345:s3cret); the name "
            "identifies the platform; empty refuses every request that needs a key"
        ),
    )
    dashboard_secret: SecretStr | None = Field(
        default=None,
        description=(
            "key that signs the supervisors' dashboard links (at least 16 characters); "
            "empty turns the dashboard off"
        ),
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8080",
        description="address at which people reach `yousu serve` (the dashboard links start so)",
    )
    dashboard_link_hours: float = Field(
        default=24.0, gt=0, le=24 * 31, description="how long a dashboard link stays valid"
    )
    webhook_url: str = Field(
        default="",
        description=(
            "public HTTPS address Telegram posts updates to (webhook mode, every instance "
            "behind a load balancer receives); empty polls Telegram instead"
        ),
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description=(
            "webhook mode: the secret Telegram sends in X-Telegram-Bot-Api-Secret-Token "
            "(1-256 of A-Z a-z 0-9 _ -); required with WEBHOOK_URL"
        ),
    )
    webhook_host: str = Field(
        default="127.0.0.1", description="webhook mode: address `yousu run` listens on"
    )
    webhook_port: int = Field(
        default=8443, ge=0, le=65535, description="webhook mode: port `yousu run` listens on"
    )
    shutdown_grace_seconds: float = Field(
        default=10.0,
        ge=0,
        le=600,
        description=(
            "on SIGTERM: how long requests and updates in flight may take to finish before "
            "they are cut off (what is not finished stays in the inbox)"
        ),
    )
    tz: str = Field(default="Asia/Shanghai", description="time zone in which times are shown")
    log_level: str = Field(default="INFO", description="logging level")
    sla_data_dir: Path | None = Field(
        default=None,
        description=(
            "folder whose calendar_overrides.toml, service_hours.toml and sla_policies.toml "
            "replace the shipped SLA data files; empty uses the shipped ones"
        ),
    )

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("dashboard_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_DASHBOARD_SECRET:
            raise ValueError(f"DASHBOARD_SECRET must be at least {MIN_DASHBOARD_SECRET} characters")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _http_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"PUBLIC_BASE_URL must start with http:// or https://: {value!r}")
        return value

    @field_validator(
        "telegram_bot_token",
        "http_api_keys",
        "sla_data_dir",
        "dashboard_secret",
        "webhook_secret",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded default: a SQLite file in the data folder."""
        if self.database_url.strip():
            return self.database_url.strip()
        return f"sqlite+aiosqlite:///{(self.data_dir / 'yousu.sqlite3').as_posix()}"


def load_settings(**overrides: object) -> Settings:
    """Build the settings; keyword overrides win over the environment (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
