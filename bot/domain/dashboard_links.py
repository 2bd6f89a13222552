"""Signed, expiring links to the supervisors' dashboard: what a link grants, how it is signed
and how a presented link is checked.

Owns the link's content (who it was given to, the district or one unit, until when) and its
signature: itsdangerous' URL-safe serializer (compact JSON, HMAC-SHA256 with a key derived
from ``DASHBOARD_SECRET`` and a salt of its own, constant-time comparison). The expiry is
written inside the signed content and checked against the ``now`` the caller passes, so tests
move a clock instead of waiting. Pure: no I/O; whether the person still holds the role the
link was given for is the service's check (``bot.services.dashboard``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer

from bot.errors import YousuError

#: keeps dashboard signatures apart from anything else signed with the same key
SALT = "yousu.dashboard.v1"
#: the longest token read (a real one is about 120 characters)
MAX_TOKEN = 512


class DashboardRefused(YousuError):
    """A dashboard page was asked for without a valid link: nothing is shown."""

    code = "dashboard_refused"
    http_status = 403


class LinkMissing(DashboardRefused):
    def __init__(self) -> None:
        super().__init__(
            "请使用机器人发给您的看板链接访问（在机器人中发送 /dashboard 获取）",
            "no dashboard link was presented",
        )


class LinkInvalid(DashboardRefused):
    def __init__(self) -> None:
        super().__init__(
            "看板链接无效（可能不完整或被改动），请在机器人中发送 /dashboard 重新获取",
            "the dashboard link is not valid (bad signature or content)",
        )


class LinkExpired(DashboardRefused):
    def __init__(self, expired_at: datetime) -> None:
        super().__init__(
            "看板链接已过期，请在机器人中发送 /dashboard 重新获取",
            f"the dashboard link expired at {expired_at.isoformat()}",
        )
        self.expired_at = expired_at


class OutOfScope(DashboardRefused):
    def __init__(self, unit: str) -> None:
        super().__init__(
            "该链接只能查看本单位的数据，无权查看其他单位",
            f"a link for one unit was used for another unit ({unit!r})",
        )


@dataclass(frozen=True, slots=True)
class DashboardGrant:
    """What a link lets its bearer see: the district (``unit`` None) or one unit, until
    ``expires_at``; ``telegram_id`` names the official it was given to."""

    telegram_id: int
    unit: str | None
    expires_at: datetime

    @property
    def district(self) -> bool:
        return self.unit is None

    def allows(self, unit: str | None) -> bool:
        """May the bearer see ``unit``'s figures (None: the district's)?"""
        return self.unit is None or unit == self.unit

    def check_unit(self, unit: str | None) -> None:
        if not self.allows(unit):
            raise OutOfScope(unit or "全区")


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def sign(grant: DashboardGrant, secret: str) -> str:
    """The token that stands for ``grant`` in a link."""
    expires = int(grant.expires_at.timestamp())
    return str(_serializer(secret).dumps({"o": grant.telegram_id, "u": grant.unit, "e": expires}))


def verify(token: str | None, secret: str, now: datetime) -> DashboardGrant:
    """The grant ``token`` stands for, if it was signed with ``secret`` and has not expired
    at ``now``; otherwise ``LinkMissing``, ``LinkInvalid`` or ``LinkExpired``."""
    token = (token or "").strip()
    if not token:
        raise LinkMissing()
    if len(token) > MAX_TOKEN:
        raise LinkInvalid()
    try:
        data = _serializer(secret).loads(token)
    except (BadSignature, ValueError, UnicodeError):
        raise LinkInvalid() from None
    if not isinstance(data, dict):
        raise LinkInvalid()
    official, unit, expires = data.get("o"), data.get("u"), data.get("e")
    if (
        not isinstance(official, int)
        or isinstance(official, bool)
        or not (unit is None or (isinstance(unit, str) and unit))
        or not isinstance(expires, int)
        or isinstance(expires, bool)
    ):
        raise LinkInvalid()
    try:
        expires_at = datetime.fromtimestamp(expires, UTC)
    except (OverflowError, OSError, ValueError):
        raise LinkInvalid() from None
    if now >= expires_at:
        raise LinkExpired(expires_at)
    return DashboardGrant(official, unit, expires_at)
