"""The 12345 platform's API keys: make one (shown once), list them, revoke one, recognise one,
and where a key's callbacks go.

Owns the keys kept in the database (``bot.domain.api_keys``). Keys in the settings file
(``HTTP_API_KEYS``) are the HTTP edge's to check first; both name the platform the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.api_keys import (
    ApiKey,
    check_callback_url,
    check_name,
    hash_key,
    new_key,
    new_signing_secret,
)
from bot.errors import NotFound
from bot.services.context import ServiceContext


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(f"没有名为 {name} 的有效密钥", f"no active key named {name}")


@dataclass(frozen=True, slots=True)
class CreatedKey:
    record: ApiKey
    #: the key itself: shown once, never stored
    key: str


@dataclass(frozen=True, slots=True)
class CallbackTarget:
    url: str
    signing_secret: str


async def create_key(ctx: ServiceContext, name: str, callback_url: str | None = None) -> CreatedKey:
    name = check_name(name)
    url = check_callback_url(callback_url) if callback_url else None
    key = new_key()
    record = ApiKey(
        name=name,
        key_hash=hash_key(key),
        created_at=ctx.clock.now(),
        callback_url=url,
        signing_secret=new_signing_secret() if url else None,
    )
    async with ctx.uow_factory() as uow:
        await uow.api_keys.add(record)
        await uow.commit()
    return CreatedKey(record, key)


async def list_keys(ctx: ServiceContext) -> list[ApiKey]:
    async with ctx.uow_factory() as uow:
        return await uow.api_keys.all()


async def revoke_key(ctx: ServiceContext, name: str) -> ApiKey:
    async with ctx.uow_factory() as uow:
        record = await uow.api_keys.active_by_name(name.strip())
        if record is None:
            raise ApiKeyNotFound(name.strip())
        record.revoked_at = ctx.clock.now()
        await uow.api_keys.save(record)
        await uow.commit()
    return record


async def platform_of(ctx: ServiceContext, key: str) -> str | None:
    """The name of the active key ``key`` (looked up by its hash), or None."""
    async with ctx.uow_factory() as uow:
        record = await uow.api_keys.active_by_hash(hash_key(key))
    return None if record is None else record.name


async def callback_target(ctx: ServiceContext, platform: str) -> CallbackTarget | None:
    """Where the platform's callbacks go now (None: revoked, or no callback registered)."""
    async with ctx.uow_factory() as uow:
        record = await uow.api_keys.active_by_name(platform)
    if record is None or record.callback_url is None or record.signing_secret is None:
        return None
    return CallbackTarget(record.callback_url, record.signing_secret)
