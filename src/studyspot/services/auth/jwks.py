"""`GET /api/auth/.well-known/jwks.json`: the public keys access tokens are verified with.

Public by design (RFC 7517): a public key lets anyone check a token and no one
sign one. Gateways and services are configured with the same keys
(`JWT_PUBLIC_KEY`, `JWT_PREVIOUS_KEYS`); this document is for operators and
for anything outside the deployment that checks our tokens.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from studyspot.kit.keys import jwk
from studyspot.kit.schemas import ReadModel
from studyspot.services.auth.dependencies import SettingsDep

router = APIRouter(prefix="/api/auth", tags=["auth"])


class Jwk(ReadModel):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]


class Jwks(ReadModel):
    keys: list[Jwk]


@router.get(
    "/.well-known/jwks.json",
    response_model=Jwks,
    summary="Public keys of access tokens (JWKS): the current key id first, then older ones",
)
async def jwks(settings: SettingsDep, response: Response) -> Jwks:
    keys = settings.access_verification_keys()
    # The signing kid first, so a reader that takes one key takes the right one.
    order = sorted(keys, key=lambda kid: kid != settings.jwt_kid)
    response.headers["Cache-Control"] = "public, max-age=300"
    return Jwks(keys=[Jwk.model_validate(jwk(kid, keys[kid])) for kid in order])
