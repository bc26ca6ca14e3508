"""Settings of the subscription service (environment variables `SUBSCRIPTION_*`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SubscriptionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUBSCRIPTION_", extra="ignore")

    trial_days: int = Field(default=14, ge=1, le=90)
    # Trial reminders, days before the end (through the message service's events).
    trial_reminder_days: tuple[int, ...] = (3, 1)
    # An unpaid renewal: past due this many days, then grace, then read-only ...
    past_due_days: int = Field(default=3, ge=0, le=60)
    grace_days: int = Field(default=4, ge=0, le=60)
    # ... and read-only this many days before suspension. Nothing is ever deleted.
    read_only_days: int = Field(default=30, ge=1, le=365)
    # The lifecycle job: how often each instance offers to run it (0: never, e.g. in tests),
    # and how long the instance that won the lease holds it.
    sweep_seconds: float = Field(default=300.0, ge=0)
    lease_seconds: float = Field(default=600.0, ge=10)
    # StudySpot as the supplier on its GST invoices (set the real one in production).
    supplier_gstin: str = Field(default="29AAACS0000A1Z9", pattern=r"^[0-9]{2}[0-9A-Z]{13}$")
    supplier_name: str = Field(default="StudySpot", min_length=1, max_length=120)
    supplier_address: str = Field(default="", max_length=200)
    # Services Accounting Code printed on the invoice (software as a service: 998314).
    sac_code: str = Field(default="998314", pattern=r"^99[0-9]{4}$")
    invoice_prefix: str = Field(default="SS", pattern=r"^[A-Z]{1,6}$")
    # Plan prices include GST at this rate (basis points).
    gst_rate_bps: int = Field(default=1800, ge=0, le=2800)
    # An upgrade paid online applies once Razorpay captured its payment; unpaid this many
    # minutes after it was confirmed, it lapses (the plan never changed).
    upgrade_checkout_minutes: int = Field(default=30, ge=5, le=1440)
    # Dunning notices after a renewal failed (days after it was due).
    dunning_notice_days: tuple[int, ...] = (1, 3, 7)
    # StudySpot's own Razorpay account (the platform is the merchant, not a tenant).
    razorpay_key_id: str = ""
    razorpay_key_secret: str = Field(default="", repr=False)
    razorpay_webhook_secret: str = Field(default="", repr=False)
    razorpay_base_url: str = "https://api.razorpay.com"
    razorpay_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # How many cycles a Razorpay subscription runs before it must be renewed by hand.
    razorpay_total_count: int = Field(default=120, ge=1, le=1200)
    # StudySpot's own Cashfree account, for message credits as the Razorpay one (either or
    # both; with both, Razorpay is the default). Its webhooks are signed with the secret.
    cashfree_client_id: str = Field(default="", max_length=100)
    cashfree_client_secret: str = Field(default="", max_length=200, repr=False)
    cashfree_base_url: str = "https://api.cashfree.com/pg"
    cashfree_api_version: str = Field(default="2023-08-01", pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    # What the console's Cashfree JS SDK is started with: `production`, or `sandbox` for
    # Cashfree's test environment (https://sandbox.cashfree.com/pg).
    cashfree_mode: Literal["production", "sandbox"] = "production"
    cashfree_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # A webhook whose `x-webhook-timestamp` is further than this from our clock is refused.
    cashfree_webhook_tolerance_seconds: float = Field(default=300.0, ge=30, le=3600)
