"""The verified-token cache (issue 16): at its size limit it drops the least recently used
token, not every session's at once, and never serves a token past its expiry."""

from __future__ import annotations

import time

import pytest

from studyspot.kit import tokens
from studyspot.kit.settings import Settings
from studyspot.kit.tokens import AccessClaims, VerifiedTokens
from tests.gateway.test_rate_limits import _token

SETTINGS = Settings(environment="test")


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens whose signature was checked (not answered from the cache)."""
    seen: list[str] = []
    real = tokens.decode_access_token

    def counting(settings: Settings, token: str, keys: object = None) -> AccessClaims:
        seen.append(token)
        return real(settings, token, keys)  # type: ignore[arg-type]

    monkeypatch.setattr(tokens, "decode_access_token", counting)
    return seen


def test_a_full_cache_drops_the_least_recently_used_token_only(decoded: list[str]) -> None:
    cache = VerifiedTokens(SETTINGS, max_entries=3)
    a, b, c, d = (_token() for _ in range(4))
    for token in (a, b, c, a):  # `a` used again: `b` is now the least recent
        cache.claims(token)
    cache.claims(d)
    assert decoded == [a, b, c, d]
    for token in (a, c, d):
        cache.claims(token)
    assert decoded == [a, b, c, d]  # still cached: the sessions in use kept theirs
    cache.claims(b)
    assert decoded == [a, b, c, d, b]


def test_a_token_is_not_answered_from_the_cache_after_its_expiry(
    decoded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    cache = VerifiedTokens(SETTINGS)
    token = _token()
    claims = cache.claims(token)
    cache.claims(token)
    assert decoded == [token]
    now[0] = claims.expires_at.timestamp() + 1
    cache.claims(token)  # checked again (decode itself reads the real clock here)
    assert decoded == [token, token]
