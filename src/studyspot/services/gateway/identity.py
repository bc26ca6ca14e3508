"""Who is calling, as far as the gateway needs to know: rate-limit keys and log fields.

The token is verified (signature, issuer, audience, expiry) with the kit's
decoder but the gateway looks nothing up: the services make the real checks.
Verified claims are memoised per token until they expire, because the same
token arrives on every request of a session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from studyspot.kit.settings import Settings
from studyspot.kit.tokens import InvalidToken, decode_access_token


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    tenant_id: str


class TokenVerifier:
    def __init__(self, settings: Settings, max_entries: int = 50_000) -> None:
        self._settings = settings
        self._max = max_entries
        self._valid: dict[str, tuple[Caller, float]] = {}

    def caller(self, authorization: str) -> Caller | None:
        """The verified caller behind an `Authorization` header value, or None."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        now = time.time()
        hit = self._valid.get(token)
        if hit is not None:
            if hit[1] > now:
                return hit[0]
            del self._valid[token]
        try:
            claims = decode_access_token(self._settings, token.strip())
        except InvalidToken:
            return None
        caller = Caller(str(claims.user_id), str(claims.tenant_id) if claims.tenant_id else "")
        if len(self._valid) >= self._max:
            self._valid.clear()
        self._valid[token] = (caller, claims.expires_at.timestamp())
        return caller
