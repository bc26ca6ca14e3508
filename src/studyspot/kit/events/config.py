"""Tuning of the relay and consumers, from `EVENTS_*` environment variables.

The broker's address is the kit's `NATS_URL` (Settings.nats_url); everything
here has a production default and exists so tests and operators can change it
without code.
"""

from __future__ import annotations

import random
import re

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PREFIX = re.compile(r"^[a-z0-9_]{1,32}$")


class EventSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EVENTS_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # JetStream stream holding every topic under `<subject_prefix>.>`.
    stream: str = "STUDYSPOT"
    subject_prefix: str = "studyspot"
    stream_max_age_days: float = Field(default=7, gt=0, le=365)
    # 3 on a clustered JetStream in production; 1 on a single server.
    stream_replicas: int = Field(default=1, ge=1, le=5)
    # JetStream drops a re-publish of the same event id within this window.
    duplicate_window_seconds: float = Field(default=120, ge=1, le=86_400)
    # A consumer that has not acked by then gets the message again.
    ack_wait_seconds: float = Field(default=30, ge=0.5, le=3600)
    fetch_batch: int = Field(default=10, ge=1, le=256)

    # Outbox polling: immediately again while there is work, backing off to the max when idle.
    poll_min_seconds: float = Field(default=0.1, gt=0, le=60)
    poll_max_seconds: float = Field(default=1.0, gt=0, le=60)
    batch_size: int = Field(default=100, ge=1, le=10_000)
    # Dedicated tenant databases appear while the worker runs (option A moves).
    sources_refresh_seconds: float = Field(default=30, gt=0, le=3600)

    # Failed deliveries and failed handlers: base * 2^(attempt-1), capped, with jitter.
    retry_base_seconds: float = Field(default=1.0, ge=0, le=3600)
    retry_max_seconds: float = Field(default=300, ge=0, le=86_400)

    # Housekeeping: published outbox rows and the processed-event ledger are pruned.
    outbox_retention_days: float = Field(default=7, gt=0)
    processed_retention_days: float = Field(default=30, gt=0)
    janitor_interval_seconds: float = Field(default=3600, gt=0)

    shutdown_grace_seconds: float = Field(default=10, ge=0, le=600)

    @field_validator("stream")
    @classmethod
    def _stream_name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError("stream name: letters, digits, '_' or '-'")
        return value

    @field_validator("subject_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX.fullmatch(value):
            raise ValueError("subject prefix: lowercase letters, digits or '_'")
        return value

    def retry_delay(self, attempt: int) -> float:
        """Seconds before retry number `attempt` (1 = the first retry)."""
        delay = min(
            self.retry_max_seconds, self.retry_base_seconds * 2 ** min(max(attempt - 1, 0), 30)
        )
        # Jitter keeps a fleet of failing deliveries from retrying in lockstep.
        return float(delay * random.uniform(0.8, 1.2))
