"""Secrets never reach a log line: records logged through the handlers ``configure_logging``
sets up, by our loggers and by the libraries' own (aiohttp's access log, python-telegram-bot)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
import telegram

from bot.config import load_settings
from bot.logs import MASK, REDACT, RedactSecrets, configure_logging, settings_secrets

KEY = "k-platform-secret"
OTHER_KEY = "another/key+with spaces"
#: shaped like a real token (bot id, colon, 35 characters)
TOKEN = "7012345678:AAHk2x9Qz_Vb3LmN0pQrStUvWxYz-1234ab"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """What the root logger's handlers write, once ``configure_logging`` has run with
    settings holding the keys and the token."""
    root = logging.getLogger()
    level = root.level
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root.addHandler(handler)
    settings = load_settings(
        _env_file=None, http_api_keys=f"12345:{KEY}, other:{OTHER_KEY}", telegram_bot_token=TOKEN
    )
    configure_logging("DEBUG", settings)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for other in root.handlers:
            other.removeFilter(REDACT)


def _leaked(text: str) -> list[str]:
    secrets = (KEY, OTHER_KEY, "another%2Fkey%2Bwith%20spaces", "another%2Fkey%2Bwith+spaces")
    return [s for s in (*secrets, TOKEN, TOKEN.split(":")[1]) if s in text]


def test_keys_in_query_strings_and_bodies_are_masked(logged: io.StringIO) -> None:
    access = logging.getLogger("aiohttp.access")
    access.info('127.0.0.1 "GET /open311/v2/requests.json?api_key=%s&x=1 HTTP/1.1" 200', KEY)
    access.info('"GET /open311/v2/requests/1.json?api_key=never-configured-key HTTP/1.1" 404')
    logging.getLogger("yousu").warning("form body: api_key=%s&description=办电难", KEY)
    logging.getLogger("yousu").warning('json body: {"api_key": "%s", "ref": "A-1"}', KEY)
    logging.getLogger("yousu").warning("dict: %s", {"api_key": "some-wrong-key"})
    logging.getLogger("yousu").warning("encoded: api_key%%3D%s", "another%2Fkey%2Bwith%20spaces")
    logging.getLogger("yousu").error("a key on its own: %s, and %s", KEY, OTHER_KEY)
    text = logged.getvalue()
    assert _leaked(text) == []
    assert "never-configured-key" not in text and "some-wrong-key" not in text
    assert text.count(f"api_key={MASK}") == 3
    assert "description=办电难" in text and '"ref": "A-1"' in text  # only the secret goes
    assert f"a key on its own: {MASK}, and {MASK}" in text


def test_the_bot_token_is_masked_in_urls_and_tracebacks(logged: io.StringIO) -> None:
    log = logging.getLogger("telegram.ext.Updater")
    log.debug("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    log.debug("a token the settings do not know: 123456789:%s", "x" * 35)
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
    except ConnectionError:
        log.exception("network trouble")
    text = logged.getvalue()
    assert _leaked(text) == [] and "x" * 35 not in text
    assert f"https://api.telegram.org/bot{MASK}/getUpdates" in text
    assert "ConnectionError: cannot reach" in text  # the traceback is still there


async def test_the_telegram_library_s_own_debug_lines(logged: io.StringIO) -> None:
    telegram.Bot(TOKEN, base_url="https://api.telegram.org/bot")  # logs its URLs at DEBUG
    text = logged.getvalue()
    assert "Set Bot API URL" in text
    assert _leaked(text) == []


def test_a_broken_logging_call_is_not_the_caller_s_problem(logged: io.StringIO) -> None:
    logging.getLogger("yousu").warning("two %s %s", "args expected")  # noqa: PLE1206
    assert _leaked(logged.getvalue()) == []


def test_short_keys_are_left_to_the_api_key_rule() -> None:
    redact = RedactSecrets(["abc"])
    assert redact.redact("abc api_key=abc") == f"abc api_key={MASK}"


def test_dashboard_links_and_their_secret_are_masked() -> None:
    """A dashboard link in an access log line would let a reader of the log see the figures
    until it expires; the signing key is a secret like the others."""
    secret = "dashboard-signing-secret-123"
    settings = load_settings(_env_file=None, dashboard_secret=secret)
    redact = RedactSecrets(settings_secrets(settings))
    token = "eyJvIjo5OTAwMDEsInUiOm51bGwsImUiOjE3OTk5OTk5OTl9.Zm9yZ2Vk"
    line = f'"GET /dashboard?t={token}&week=2026-W48 HTTP/1.1" 200 / /dashboard/orders/1?t={token}'
    cleaned = redact.redact(line + f" key {secret}")
    assert token not in cleaned and secret not in cleaned
    assert f"/dashboard?t={MASK}&week=2026-W48" in cleaned
    assert f"/dashboard/orders/1?t={MASK}" in cleaned


def test_the_webhook_secret_is_masked() -> None:
    from bot.logs import RedactSecrets, settings_secrets  # noqa: PLC0415

    secret = "webhook-secret-Token_123"
    settings = load_settings(_env_file=None, webhook_secret=secret)
    redacted = RedactSecrets(settings_secrets(settings)).redact(f"X-Telegram-...: {secret}")
    assert secret not in redacted
