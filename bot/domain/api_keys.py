"""The 12345 platform's API keys as records: a name, the key's hash, an optional callback.

Owns how a key is made and recognised. A key is a random token shown once when it is made;
only its SHA-256 is stored, so a copy of the database does not let anyone file complaints.
A key registered with a callback URL gets a signing secret of its own: the callbacks are
signed with it (HMAC-SHA256 of the body), so the platform can tell them from forgeries. The
name is the platform's identity (it is part of the filer, ``http:NAME/ACCOUNT``), so a key
made again under a revoked key's name sees that key's complaints.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bot.errors import InvalidInput

#: what a key starts with, so a leaked one is recognisable
KEY_PREFIX = "ys_"
#: names: letters, digits, ``.``, ``_``, ``-`` (never ``/``, which separates the account)
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_CALLBACK_URL = 500


@dataclass(slots=True)
class ApiKey:
    name: str
    key_hash: str  # SHA-256 of the key, hex
    created_at: datetime
    callback_url: str | None = None
    #: HMAC key of the callbacks (hex); only keys with a callback URL have one
    signing_secret: str | None = None
    revoked_at: datetime | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_signing_secret() -> str:
    return secrets.token_hex(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME.fullmatch(name):
        raise InvalidInput(
            "密钥名称只能包含字母、数字、点、下划线和短横线（1–64 个字符，以字母或数字开头）",
            "a key name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return name


def check_callback_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_CALLBACK_URL:
        raise InvalidInput(
            f"回调地址应为 http(s) 地址（最长 {MAX_CALLBACK_URL} 个字符）",
            "the callback URL must be an http(s) URL",
        )
    return url
