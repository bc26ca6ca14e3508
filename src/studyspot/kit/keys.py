"""Ed25519 signing keys and AES keys as configuration writes them, and what can be derived.

One key, one door: user access tokens are signed by the auth service's private
key (`JWT_PRIVATE_KEY`) and every other process holds only public keys;
service tokens are signed by each service's own private key
(`SERVICE_PRIVATE_KEY`) and verified with that service's public key from
`SERVICE_PUBLIC_KEYS`. A process that leaks its secrets can therefore sign
nothing but its own service tokens.

Formats (all single values of environment variables):
- private keys: PEM (PKCS#8) text, or the path of a PEM file;
- public keys: the 32 raw bytes in unpadded base64url (a JWK's `x`), or PEM;
- key lists: `id:public-key,id:public-key`;
- encryption keys: `kid:<base64 of 32 random bytes>`.

In `local` and `test` a missing private key is derived from a fixed label, so
every process on a developer's machine (and every test) agrees on the keys
without configuration. Those keys are public knowledge: production refuses them
(`Settings`), which is why derivation is allowed only outside production.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_BYTES = 32


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc


@lru_cache(maxsize=64)
def load_private_key(value: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM text or the path of a PEM file."""
    text = value.strip()
    if not text.startswith("-----BEGIN"):
        path = Path(text)
        if not path.is_file():
            raise ValueError("a private key must be PEM text or the path of a PEM file")
        text = path.read_text()
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError("the private key is not readable PEM") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the private key must be an Ed25519 key")
    return key


@lru_cache(maxsize=256)
def load_public_key(value: str) -> Ed25519PublicKey:
    """An Ed25519 public key from unpadded base64url of its 32 bytes, or PEM."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode())
        except ValueError as exc:
            raise ValueError("the public key is not readable PEM") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the public key must be an Ed25519 key")
        return key
    raw = _b64decode(text)
    if len(raw) != KEY_BYTES:
        # An old HMAC secret lands here: it is no public key, so it verifies nothing.
        raise ValueError("a public key is 32 bytes of Ed25519 in base64url")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_text(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The public half as configuration writes it (unpadded base64url of 32 bytes)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return b64url(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def private_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def parse_key_list(value: str, what: str) -> dict[str, Ed25519PublicKey]:
    """`id:public-key,...`; ValueError naming `what` for any entry that is not a public key."""
    keys: dict[str, Ed25519PublicKey] = {}
    for entry in value.split(","):
        if not entry.strip():
            continue
        name, sep, key = entry.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"{what} entries are id:public-key")
        try:
            keys[name.strip()] = load_public_key(key)
        except ValueError as exc:
            raise ValueError(
                f"{what}: the key of {name.strip()!r} is not an Ed25519 public key"
            ) from exc
    return keys


@lru_cache(maxsize=64)
def development_key(label: str) -> Ed25519PrivateKey:
    """The well-known key of `label` for local and test only (see the module docstring)."""
    seed = hashlib.sha256(f"studyspot-development-only:{label}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def jwk(kid: str, key: Ed25519PublicKey) -> dict[str, str]:
    """The RFC 8037 JWK of a public key."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": public_text(key),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    }


def parse_encryption_key(value: str, what: str = "ENCRYPTION_KEY") -> tuple[str, bytes]:
    """`kid:<base64 of 32 bytes>` → (kid, key). The kid is stored with each ciphertext."""
    kid, sep, body = value.strip().partition(":")
    if not sep or not kid or not kid.replace("-", "").replace("_", "").isalnum() or len(kid) > 32:
        raise ValueError(f"{what} must read kid:<base64 of 32 random bytes>, e.g. v1:...")
    try:
        raw = _b64decode(body)
    except ValueError as exc:
        raise ValueError(f"{what}: the key after {kid}: is not base64") from exc
    if len(raw) != KEY_BYTES:
        raise ValueError(f"{what} must hold 32 random bytes (base64), got {len(raw)}")
    return kid, raw


def development_encryption_key() -> str:
    return "dev:" + b64url(hashlib.sha256(b"studyspot-development-only:encryption").digest())


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def new_encryption_key(kid: str) -> str:
    """A fresh `ENCRYPTION_KEY` value: `kid:` and 32 random bytes in base64."""
    return f"{kid}:" + base64.b64encode(os.urandom(KEY_BYTES)).decode()
