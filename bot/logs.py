"""Logging for every process, with secrets taken out of every line.

Owns how logging is set up (``configure_logging``, called by ``yousu`` at start and again by
the commands that read the settings) and ``RedactSecrets``, the filter on every handler of the
root logger. It removes, from the message, the traceback and the stack of each record:

- the settings' secrets (``HTTP_API_KEYS`` values, ``TELEGRAM_BOT_TOKEN``), as written and
  URL-encoded;
- whatever follows ``api_key=`` (query strings, form bodies) or ``"api_key": "`` (JSON), so a
  wrong key, which may be another platform's, is not written either;
- a dashboard link's signed token (``?t=...`` or ``&t=...``: a bearer of the link sees the
  figures until it expires);
- anything shaped like a Telegram bot token (``123456789:AA...``), which the Telegram library
  writes inside Bot API URLs at DEBUG.

A filter on the handlers, not on a logger: records of child loggers (``aiohttp.access``,
``telegram.Bot``, ``httpx``) reach the root's handlers without passing a parent's filters.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from bot.config import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
#: shorter secrets are not replaced wherever they occur (they would garble every line); keys
#: in query strings and bodies are still masked by the ``api_key=`` rule
MIN_SECRET = 6

_API_KEY = re.compile(
    r"""(?ix)
    ( api_key (?: = | %3D )                     # query string or form body (maybe encoded)
    | ["']api_key["'] \s* : \s* ["']            # JSON or a Python dict
    )
    [^&\s"',;}]+
    """
)
#: the dashboard's signed link token in a query string
_DASHBOARD_TOKEN = re.compile(r"([?&]t=)[^&\s\"']+")
#: a bot token: the bot's numeric id, a colon, 30 or more URL-safe characters
_BOT_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")


class RedactSecrets(logging.Filter):
    """Rewrites each record without its secrets; never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Also mask these literal values (and their URL-encoded forms) from now on."""
        known = set(self._secrets)
        for secret in secrets:
            if len(secret) < MIN_SECRET:
                continue
            known |= {secret, quote(secret, safe=""), quote_plus(secret)}
        self._secrets = sorted(known, key=len, reverse=True)  # longest first

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = _API_KEY.sub(lambda m: m.group(1) + MASK, text)
        text = _DASHBOARD_TOKEN.sub(lambda m: m.group(1) + MASK, text)
        return _BOT_TOKEN.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken call; the handler reports it (its arguments unprinted)
            record.args = None
            return True
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


#: the one filter of this process, on every root handler
REDACT = RedactSecrets()


def settings_secrets(settings: Settings) -> list[str]:
    """The values in the settings that must never be logged: the bot token, every API key
    (each ``name:key`` entry's key, and the entry as written) and the webhook secret."""
    secrets: list[str] = []
    if settings.telegram_bot_token is not None:
        secrets.append(settings.telegram_bot_token.get_secret_value())
    if settings.dashboard_secret is not None:
        secrets.append(settings.dashboard_secret.get_secret_value())
    if settings.http_api_keys is not None:
        for entry in settings.http_api_keys.get_secret_value().split(","):
            secrets += [entry.strip(), entry.partition(":")[2].strip()]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    return [s for s in secrets if s]


def configure_logging(level: int | str, settings: Settings | None = None) -> RedactSecrets:
    """Log to stderr at ``level`` through ``REDACT`` (added to every root handler, once), with
    ``settings``' secrets masked as well."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format=FORMAT)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    if settings is not None:
        REDACT.add(settings_secrets(settings))
    for handler in root.handlers:
        if REDACT not in handler.filters:
            handler.addFilter(REDACT)
    return REDACT
