"""Secrets encrypted at rest: AES-256-GCM under `ENCRYPTION_KEY`, with a key id so it rotates.

A ciphertext is bound to a `context` (e.g. `payment:<tenant id>:razorpay`) as
GCM associated data, so a value copied into another tenant's row does not
decrypt there.

Formats:
- `v2:<kid>:<base64url(nonce | ciphertext | tag)>`, written now: the kid names
  which key of `ENCRYPTION_KEY` / `ENCRYPTION_PREVIOUS_KEYS` sealed it, so a new
  key can be introduced while old rows still open;
- `v1:<base64url(...)>`, written before key ids existed under a key derived
  (HKDF-SHA256) from an operator-chosen string; still opened with
  `ENCRYPTION_LEGACY_KEY`, so stored provider secrets survive the upgrade.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from studyspot.kit.settings import Settings

_VERSION = "v2"
_LEGACY_VERSION = "v1"
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """The ciphertext is corrupt, was made under another key, or belongs to another context."""


def _derive_legacy(material: str) -> bytes:
    # How v1 turned an operator-chosen string of any length into a 256-bit key.
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"studyspot-secretbox-v1"
    ).derive(material.encode())


class SecretBox:
    def __init__(self, kid: str, keys: dict[str, bytes], legacy_material: str = "") -> None:
        if kid not in keys:
            raise ValueError("the current encryption key is missing from the keys")
        self._kid = kid
        self._aeads = {k: AESGCM(v) for k, v in keys.items()}
        self._legacy = AESGCM(_derive_legacy(legacy_material)) if legacy_material else None

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        kid, keys = settings.encryption_keys()
        return cls(kid, keys, settings.encryption_legacy_material())

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aeads[self._kid].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_VERSION}:{self._kid}:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str, *, context: str) -> str:
        version, _, rest = token.partition(":")
        if version == _VERSION:
            kid, _, body = rest.partition(":")
            aead = self._aeads.get(kid)
        elif version == _LEGACY_VERSION:
            body, aead = rest, self._legacy
        else:
            raise DecryptionError("unknown ciphertext format")
        if aead is None or not body:
            raise DecryptionError("the key of this ciphertext is not configured")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            plain = aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError("cannot decrypt") from exc
        return plain.decode()
