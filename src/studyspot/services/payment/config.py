"""Settings only the payment service reads (env `PAYMENT_*`); the shared ones stay in kit Settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PaymentSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAYMENT_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # Scheme of Classification of Services (CBIC): 998451 "Library services" (group 99845,
    # library and archive services) is what a reading room sells. 999293 is commercial
    # coaching and training, which a study library does not provide.
    sac_code: str = Field(default="998451", pattern=r"^99[0-9]{4}$")
    # Provider API roots. Tests point them at the local fakes in tests/fakes/.
    razorpay_base_url: str = "https://api.razorpay.com"
    cashfree_base_url: str = "https://api.cashfree.com/pg"
    cashfree_api_version: str = Field(
        default="2023-08-01", pattern=r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"
    )
    provider_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # A Cashfree webhook whose timestamp is further than this from our clock is refused.
    webhook_tolerance_seconds: int = Field(default=300, ge=30, le=3600)
    # Reconciliation asks the provider about payments still open after this long.
    reconcile_after_minutes: int = Field(default=15, ge=0, le=10_080)
    # The periodic reconciliation inside every payment process, on unless set to 0: a webhook
    # that never arrives (provider outage, a route lost) must not leave money unrecorded.
    reconcile_interval_seconds: int = Field(default=300, ge=0, le=86_400)
    # Where a student lands after paying a payment link (Razorpay `callback_url`, Cashfree
    # `link_meta.return_url`); empty: the provider's own receipt page.
    link_callback_url: str = Field(default="", max_length=500, pattern=r"^(https?://\S+)?$")
    # The `tn` (note) of UPI intents when the payment has none of its own.
    upi_payee_note: str = Field(default="StudySpot booking", max_length=50)
