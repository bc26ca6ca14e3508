"""Settings of the booking service, from `BOOKING_*` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BookingSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BOOKING_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # How long a new booking holds its seat while the student pays.
    hold_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # How long a waitlist offer (a held booking) waits for the student.
    offer_minutes: int = Field(default=120, ge=1, le=7 * 24 * 60)
    # Renewal opens this many days before a booking ends (booking.renewal_due).
    renewal_window_days: int = Field(default=7, ge=1, le=60)
    # How far ahead a booking may start.
    max_advance_days: int = Field(default=180, ge=1, le=730)
    # A waiting student whose wanted start is this many days past is taken off the list.
    waitlist_max_days_late: int = Field(default=30, ge=0, le=365)
    # Period of the in-process sweep (holds, offers, activation, renewals); 0 turns it off.
    sweep_seconds: float = Field(default=15.0, ge=0, le=3600)
