"""Secrets encrypted at rest: AES-256-GCM under a key derived from `settings.encryption_key`.

A ciphertext is bound to a `context` (e.g. `payment:<tenant id>:razorpay`) as
GCM associated data, so a value copied into another tenant's row does not
decrypt there. Tokens carry a version prefix so the scheme can change later.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """The ciphertext is corrupt, was made under another key, or belongs to another context."""


def _derive(material: str) -> bytes:
    # HKDF turns an operator-chosen string of any length into a uniform 256-bit key.
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"studyspot-secretbox-v1"
    ).derive(material.encode())


class SecretBox:
    def __init__(self, key_material: str) -> None:
        if not key_material:
            raise ValueError("an encryption key is required")
        self._aead = AESGCM(_derive(key_material))

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str, *, context: str) -> str:
        version, _, body = token.partition(":")
        if version != _VERSION or not body:
            raise DecryptionError("unknown ciphertext format")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError("cannot decrypt") from exc
        return plain.decode()
