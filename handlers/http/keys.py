"""The Open311 API's keys: which platform (12345 hotline, a partner system) a request is from.

Keys made with ``yousu apikeys create`` live in the database, hashed (``bot.services.
api_keys``); the settings file's keys keep working beside them, under their own names.

``HTTP_API_KEYS`` holds comma-separated ``name:key`` pairs; the name is what the platform is
known by (it becomes part of the filer's identity), the key is its secret. A bare key without a
name is named after its place in the list (``key1``, ``key2``, ...).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from pydantic import SecretStr

from bot.errors import YousuError
from bot.services import api_keys
from bot.services.context import ServiceContext

#: longer than any key made here or sensible in a settings file: refused without a look-up
MAX_KEY = 256


class BadApiKey(YousuError):
    code = "bad_api_key"
    http_status = 403

    def __init__(self, missing: bool) -> None:
        if missing:
            super().__init__("缺少 api_key 参数", "api_key is required")
        else:
            super().__init__("api_key 无效", "the api_key is not valid")


@dataclass(frozen=True, slots=True)
class ApiKeys:
    """Key -> platform name; compared in constant time."""

    pairs: tuple[tuple[str, str], ...]  # (name, secret)

    @classmethod
    def parse(cls, raw: SecretStr | None) -> ApiKeys:
        pairs: list[tuple[str, str]] = []
        if raw is None:
            return cls(())
        for index, raw_entry in enumerate(raw.get_secret_value().split(","), start=1):
            entry = raw_entry.strip()
            if not entry:
                continue
            name, sep, secret = entry.partition(":")
            if not sep:
                name, secret = f"key{index}", entry
            name, secret = name.strip(), secret.strip()
            if not name or not secret:
                raise ValueError(f"HTTP_API_KEYS entry {index} is not name:key")
            pairs.append((name, secret))
        return cls(tuple(pairs))

    def name_of(self, key: str | None) -> str:
        """The platform name of ``key``; ``BadApiKey`` when it is missing or unknown."""
        if not key:
            raise BadApiKey(missing=True)
        found = self.find(key)
        if found is None:
            raise BadApiKey(missing=False)
        return found

    def find(self, key: str) -> str | None:
        found: str | None = None
        given = key.encode("utf-8", "surrogatepass")  # a lone surrogate is just a wrong key
        for name, secret in self.pairs:
            if hmac.compare_digest(given, secret.encode()) and found is None:
                found = name
        return found

    async def identify(self, services: ServiceContext, key: str | None) -> str:
        """The platform ``key`` belongs to: a settings-file key (compared in constant time),
        else a key made with ``yousu apikeys create`` (looked up by its SHA-256);
        ``BadApiKey`` when it is missing, unknown or revoked."""
        if not key:
            raise BadApiKey(missing=True)
        found = self.find(key)
        if found is None and len(key) <= MAX_KEY:
            found = await api_keys.platform_of(services, key)
        if found is None:
            raise BadApiKey(missing=False)
        return found
