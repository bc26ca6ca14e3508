"""Which keys a process accepts: production refuses development shortcuts, and at-rest
secrets keep opening across an encryption-key rotation and the upgrade to key ids."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from studyspot.kit import keys
from studyspot.kit.crypto import DecryptionError, SecretBox
from studyspot.kit.settings import DEV_ENCRYPTION_KEY, DEV_JWT_LABEL, Settings

AUTH_KEY = Ed25519PrivateKey.generate()
KEY_V1 = "v1:" + keys.b64url(b"\x11" * 32)
KEY_V2 = "v2:" + keys.b64url(b"\x22" * 32)

# Written by the SecretBox before key ids (commit 9e72e0f) under a key of the operator's
# choosing, and under the old development default: rows like these are in databases now.
LEGACY_KEY = "an-operator-chosen-key-from-before-key-ids"
LEGACY_CONTEXT = "payment:7c1d4c6e-3f7b-4b39-9d4c-1f0e2a3b4c5d:razorpay:secret"
LEGACY_CIPHERTEXT = "v1:L42XCiqaKKYXbUYud9iT5yMdbw2bZdS4pAsCKB0UYDl483wL5rw-rLFvMKIGba_8"
LEGACY_DEV_CIPHERTEXT = "v1:fwsmssNkn_339HZEmx175vYt1iZ6YvwCEgb_Swmh5RSWsYA8rIVDrBE="


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "CORE_DATABASE_URL",
        "CORE_DB_HOST",
        "CORS_ORIGIN",
        "ENCRYPTION_KEY",
        "ENCRYPTION_PREVIOUS_KEYS",
        "ENCRYPTION_LEGACY_KEY",
        "JWT_PRIVATE_KEY",
        "JWT_PUBLIC_KEY",
        "JWT_PREVIOUS_KEYS",
        "SERVICE_PRIVATE_KEY",
        "SERVICE_PUBLIC_KEYS",
    ):
        monkeypatch.delenv(name, raising=False)


def production(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "production",
        "jwt_public_key": keys.public_text(AUTH_KEY),
        "database_url": "postgresql://studyspot@db/tenant",
        "core_database_url": "postgresql://studyspot@db/core",
        "cors_origin": "https://app.studyspot.example",
        "encryption_key": KEY_V1,
    }
    values.update(changes)
    return Settings(_env_file=None, **{k: v for k, v in values.items() if v is not None})


def test_a_complete_production_configuration_starts() -> None:
    settings = production()
    assert settings.tenant_db_url.startswith("postgresql+asyncpg://")
    assert list(settings.access_verification_keys()) == ["k1"]


REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "sqlite tenant database": ({"database_url": "sqlite:///var/tenant.db"}, "DATABASE_URL"),
    "sqlite core database": (
        {"core_database_url": "sqlite+aiosqlite:///var/core.db"},
        "CORE_DATABASE_URL",
    ),
    "missing CORS_ORIGIN": ({"cors_origin": None}, "CORS_ORIGIN"),
    "empty CORS_ORIGIN": ({"cors_origin": " , "}, "CORS_ORIGIN"),
    "unversioned ENCRYPTION_KEY": ({"encryption_key": "x" * 64}, "ENCRYPTION_KEY"),
    "short ENCRYPTION_KEY": ({"encryption_key": "v1:" + keys.b64url(b"k" * 16)}, "32"),
    "ENCRYPTION_KEY not base64": ({"encryption_key": "v1:not base64!"}, "base64"),
    "development ENCRYPTION_KEY": ({"encryption_key": DEV_ENCRYPTION_KEY}, "ENCRYPTION_KEY"),
    "old development ENCRYPTION_KEY": (
        {"encryption_key": "dev-only-insecure-encryption-key-change-me"},
        "ENCRYPTION_KEY",
    ),
    "weak JWT_PREVIOUS_KEYS (an HMAC secret)": (
        {"jwt_previous_keys": "k0:dev-only-insecure-jwt-secret-change-me-0123456789"},
        "JWT_PREVIOUS_KEYS",
    ),
    "JWT_PREVIOUS_KEYS without kid": (
        {"jwt_previous_keys": keys.public_text(AUTH_KEY)},
        "JWT_PREVIOUS_KEYS",
    ),
    "no access-token key at all": ({"jwt_public_key": None}, "JWT_PUBLIC_KEY"),
    "the development access-token key": (
        {"jwt_public_key": keys.public_text(keys.development_key(DEV_JWT_LABEL))},
        "development",
    ),
    "a private key that does not match the public key": (
        {"jwt_private_key": keys.private_pem(Ed25519PrivateKey.generate())},
        "JWT_PUBLIC_KEY",
    ),
    "an RSA-sized garbage public key": ({"jwt_public_key": keys.b64url(b"x" * 64)}, "32 bytes"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_production_refuses(case: str) -> None:
    changes, message = REFUSED[case]
    with pytest.raises(ValidationError, match=message):
        production(**changes)


def test_production_refuses_the_embedded_sqlite_default_where_a_database_is_used() -> None:
    # The gateway has no database, so the setting is checked where a database is opened.
    settings = production(database_url=None, core_database_url=None)
    with pytest.raises(ValueError, match="DATABASE_URL is required"):
        _ = settings.tenant_db_url
    with pytest.raises(ValueError, match="CORE_DATABASE_URL is required"):
        _ = settings.core_db_url


def test_production_has_no_development_signing_keys() -> None:
    settings = production()
    with pytest.raises(ValueError, match="JWT_PRIVATE_KEY"):
        settings.access_signing_key()
    with pytest.raises(ValueError, match="SERVICE_PRIVATE_KEY"):
        settings.service_signing_key("booking")
    assert settings.service_verification_key("booking") is None  # unknown caller: refused


def test_a_service_key_that_is_not_the_listed_one_is_refused() -> None:
    mine, listed = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    settings = production(
        service_private_key=keys.private_pem(mine),
        service_public_keys=f"booking:{keys.public_text(listed)}",
    )
    with pytest.raises(ValueError, match="not booking's key"):
        settings.service_signing_key("booking")


def test_a_private_key_is_read_from_a_pem_file(tmp_path: Any) -> None:
    path = tmp_path / "auth.pem"
    path.write_text(keys.private_pem(AUTH_KEY))
    settings = production(jwt_private_key=str(path))
    assert keys.public_text(settings.access_signing_key()) == keys.public_text(AUTH_KEY)


def test_malformed_rotation_keys_are_refused_everywhere() -> None:
    with pytest.raises(ValidationError, match="JWT_PREVIOUS_KEYS"):
        Settings(_env_file=None, environment="local", jwt_previous_keys="k0:short-hmac-secret")
    with pytest.raises(ValidationError, match="SERVICE_PUBLIC_KEYS"):
        Settings(_env_file=None, environment="test", service_public_keys="booking:nope")


def test_a_ciphertext_names_its_key_and_opens_after_a_rotation() -> None:
    before = SecretBox.from_settings(production(encryption_key=KEY_V1))
    sealed = before.encrypt("rzp-secret", context="payment:t:razorpay:secret")
    assert sealed.startswith("v2:v1:")

    rotated = SecretBox.from_settings(
        production(encryption_key=KEY_V2, encryption_previous_keys=KEY_V1)
    )
    assert rotated.decrypt(sealed, context="payment:t:razorpay:secret") == "rzp-secret"
    assert rotated.encrypt("new", context="c").startswith("v2:v2:")

    dropped = SecretBox.from_settings(production(encryption_key=KEY_V2))
    with pytest.raises(DecryptionError):
        dropped.decrypt(sealed, context="payment:t:razorpay:secret")


def test_ciphertext_stored_before_key_ids_still_opens() -> None:
    box = SecretBox.from_settings(production(encryption_legacy_key=LEGACY_KEY))
    assert box.decrypt(LEGACY_CIPHERTEXT, context=LEGACY_CONTEXT) == "rzp_live_secret_1234"
    with pytest.raises(DecryptionError):
        box.decrypt(LEGACY_CIPHERTEXT, context="payment:another-tenant:razorpay:secret")
    # Without the legacy key the old row does not open, and says so rather than crash.
    with pytest.raises(DecryptionError):
        SecretBox.from_settings(production()).decrypt(LEGACY_CIPHERTEXT, context=LEGACY_CONTEXT)


def test_a_developers_database_from_before_key_ids_still_opens() -> None:
    box = SecretBox.from_settings(Settings(_env_file=None, environment="local"))
    assert box.decrypt(LEGACY_DEV_CIPHERTEXT, context="payment:t:cashfree:secret") == (
        "cf-dev-secret"
    )


def test_a_tampered_or_foreign_ciphertext_is_a_decryption_error() -> None:
    box = SecretBox.from_settings(production())
    sealed = box.encrypt("secret", context="c")
    for bad in (sealed[:-4] + "AAAA", "v2:v9:" + sealed.split(":", 2)[2], "v3:x", "v2:v1:", "junk"):
        with pytest.raises(DecryptionError):
            box.decrypt(bad, context="c")


def test_only_the_process_that_encrypts_needs_the_encryption_key() -> None:
    # The gateway and most services get no ENCRYPTION_KEY (deploy/generate.py) and start;
    # payment, which seals provider secrets, cannot build its box without one.
    settings = production(encryption_key=None)
    with pytest.raises(ValueError, match="ENCRYPTION_KEY is required"):
        SecretBox.from_settings(settings)


def _sections(text: str) -> dict[str, dict[str, str]]:
    """`studyspot keys` output: `# <secret>` headers, NAME=value or NAME="multi-line"."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith("# "):
            current = sections.setdefault(line[2:].split(":")[0], {})
        elif "=" in line:
            name, value = line.split("=", 1)
            if value.startswith('"'):
                value = value[1:]
                while not value.endswith('"'):
                    value += "\n" + next(lines)
                value = value[:-1]
            current[name] = value
    return sections


def test_studyspot_keys_prints_a_working_production_key_set() -> None:
    from typer.testing import CliRunner

    from studyspot.cli import app

    result = CliRunner().invoke(app, ["keys"])
    assert result.exit_code == 0, result.output
    sections = _sections(result.output)
    shared = sections["studyspot-shared"]
    auth = production(**{k.lower(): v for k, v in (shared | sections["studyspot-auth"]).items()})
    booking = production(
        **{k.lower(): v for k, v in (shared | sections["studyspot-booking"]).items()}
    )
    payment = production(
        **{k.lower(): v for k, v in (shared | sections["studyspot-payment"]).items()}
    )

    assert keys.public_text(auth.access_signing_key()) == shared["JWT_PUBLIC_KEY"]
    assert "JWT_PRIVATE_KEY" not in sections["studyspot-booking"]
    assert keys.public_text(booking.service_signing_key("booking")) == keys.public_text(
        auth.service_verification_key("booking")  # type: ignore[arg-type]
    )
    box = SecretBox.from_settings(payment)
    assert box.decrypt(box.encrypt("s", context="c"), context="c") == "s"
    assert [k for k, v in sections.items() if "ENCRYPTION_KEY" in v] == ["studyspot-payment"]


def test_auth_does_not_start_in_production_without_its_signing_key() -> None:
    from studyspot.services.auth.app import create_app

    with pytest.raises(ValueError, match="JWT_PRIVATE_KEY"):
        create_app(production(service_private_key=keys.private_pem(Ed25519PrivateKey.generate())))


def test_a_service_that_calls_others_does_not_start_in_production_without_its_key() -> None:
    from studyspot.services.booking.client import BookingClient

    with pytest.raises(ValueError, match="SERVICE_PRIVATE_KEY"):
        BookingClient(production(), caller="payment")
