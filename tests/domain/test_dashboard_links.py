"""Dashboard links: what is signed is what is read back, until it expires; anything altered,
signed with another key, truncated or absent is refused; a unit link covers its unit only."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.dashboard_links import (
    MAX_TOKEN,
    DashboardGrant,
    LinkExpired,
    LinkInvalid,
    LinkMissing,
    OutOfScope,
    sign,
    verify,
)

SECRET = "a-dashboard-secret-of-some-length"
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
UNTIL = NOW + timedelta(hours=24)


def test_a_signed_grant_reads_back_until_it_expires() -> None:
    grant = DashboardGrant(880001, "区发改委", UNTIL)
    token = sign(grant, SECRET)
    assert verify(token, SECRET, NOW) == grant
    assert verify(token, SECRET, UNTIL - timedelta(seconds=1)) == grant
    with pytest.raises(LinkExpired) as expired:
        verify(token, SECRET, UNTIL)
    assert expired.value.http_status == 403 and "过期" in expired.value.zh


def test_a_district_grant_has_no_unit_and_covers_every_unit() -> None:
    grant = verify(sign(DashboardGrant(7, None, UNTIL), SECRET), SECRET, NOW)
    assert grant.district and grant.allows(None) and grant.allows("区发改委")


def test_a_unit_grant_covers_its_own_unit_only() -> None:
    grant = DashboardGrant(7, "区发改委", UNTIL)
    assert grant.allows("区发改委")
    assert not grant.allows("区财政局") and not grant.allows(None)
    grant.check_unit("区发改委")
    with pytest.raises(OutOfScope):
        grant.check_unit("区财政局")


def _flip(text: str, index: int) -> str:
    char = "A" if text[index] != "A" else "B"
    return text[:index] + char + text[index + 1 :]


def test_an_altered_token_is_refused() -> None:
    token = sign(DashboardGrant(7, "区发改委", UNTIL), SECRET)
    for index in (0, len(token) // 2, len(token) - 1):
        with pytest.raises(LinkInvalid):
            verify(_flip(token, index), SECRET, NOW)


def test_a_forged_payload_with_the_old_signature_is_refused() -> None:
    """Widening a unit link to the district by rewriting its content is caught."""
    token = sign(DashboardGrant(7, "区发改委", UNTIL), SECRET)
    _payload, signature = token.rsplit(".", 1)
    forged = base64.urlsafe_b64encode(b'{"o":7,"u":null,"e":9999999999}').rstrip(b"=").decode()
    with pytest.raises(LinkInvalid):
        verify(f"{forged}.{signature}", SECRET, NOW)


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = sign(DashboardGrant(7, None, UNTIL), "another-secret-of-some-length")
    with pytest.raises(LinkInvalid):
        verify(token, SECRET, NOW)


@pytest.mark.parametrize("token", [None, "", "   "])
def test_no_token_is_missing(token: str | None) -> None:
    with pytest.raises(LinkMissing):
        verify(token, SECRET, NOW)


@pytest.mark.parametrize("token", ["garbage", "a.b", "x" * (MAX_TOKEN + 1), "日本.语", "\x00"])
def test_garbage_is_invalid(token: str) -> None:
    with pytest.raises(LinkInvalid):
        verify(token, SECRET, NOW)


def test_an_expired_link_says_when() -> None:
    token = sign(DashboardGrant(7, None, NOW - timedelta(minutes=1)), SECRET)
    with pytest.raises(LinkExpired) as expired:
        verify(token, SECRET, NOW)
    assert expired.value.expired_at == NOW - timedelta(minutes=1)
