"""Who is calling, as far as the gateway needs to know: rate-limit keys and log fields.

The token is verified (signature, issuer, audience, expiry) with the kit's
decoder but the gateway looks nothing up: the services make the real checks.
Verified claims are memoised per token until they expire, because the same
token arrives on every request of a session.
"""

from __future__ import annotations

from dataclasses import dataclass

from studyspot.kit.settings import Settings
from studyspot.kit.tokens import InvalidToken, VerifiedTokens


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    tenant_id: str


class TokenVerifier:
    def __init__(self, settings: Settings, max_entries: int = 50_000) -> None:
        self._tokens = VerifiedTokens(settings, max_entries)

    def caller(self, authorization: str) -> Caller | None:
        """The verified caller behind an `Authorization` header value, or None."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            claims = self._tokens.claims(token.strip())
        except InvalidToken:
            return None
        return Caller(str(claims.user_id), str(claims.tenant_id) if claims.tenant_id else "")
