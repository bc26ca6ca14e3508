"""Settings only the attendance service reads (env `ATTENDANCE_*`)."""

from __future__ import annotations

import hashlib

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from studyspot.kit import keys as keyring

# Well known, so refused in production (docs/security.md).
DEV_CODE_KEY = "dev:" + keyring.b64url(
    hashlib.sha256(b"studyspot-development-only:attendance-codes").digest()
)


class AttendanceSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ATTENDANCE_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # `kid:<base64 of 32 bytes>`: the master key door and student codes are signed with
    # (a key per tenant is derived from it). ATTENDANCE_CODE_PREVIOUS_KEYS ("kid:key,...")
    # still verify after a rotation; codes live 60 s, so a rotation needs no overlap longer.
    code_key: str = Field(default=DEV_CODE_KEY, max_length=200)
    code_previous_keys: str = Field(default="", max_length=2000)
    # Where the QR's URL points: the check-in page served by the gateway.
    public_url: str = Field(default="http://localhost:3000", max_length=500)
    # How often the no-show and check-out job runs, in one instance (0: never; tests drive it).
    sweep_seconds: float = Field(default=60.0, ge=0, le=3_600)

    @model_validator(mode="after")
    def _keys_parse(self) -> AttendanceSettings:
        self.code_keys()
        return self

    def code_keys(self) -> tuple[str, dict[str, bytes]]:
        """The current kid and every key by kid (current first, then the previous ones)."""
        kid, key = keyring.parse_encryption_key(self.code_key, "ATTENDANCE_CODE_KEY")
        keys = {kid: key}
        for entry in self.code_previous_keys.split(","):
            if entry.strip():
                old, raw = keyring.parse_encryption_key(entry, "ATTENDANCE_CODE_PREVIOUS_KEYS")
                keys.setdefault(old, raw)
        return kid, keys
