"""Settings only the message service reads (env `MESSAGE_*`, and the auth link key)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from studyspot.services.message.upstream import DEV_LINK_KEY


@dataclass(frozen=True)
class Msg91Flow:
    """A DLT-registered SMS template as MSG91 knows it."""

    flow_id: str
    dlt_template_id: str


class MessageSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MESSAGE_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # Opens the reset and invite links auth seals into its events: the same value as
    # auth's AUTH_LINK_ENCRYPTION_KEY (docs/sessions.md). The development key is refused
    # in production.
    link_encryption_key: str = Field(
        default=DEV_LINK_KEY,
        validation_alias=AliasChoices("AUTH_LINK_ENCRYPTION_KEY", "MESSAGE_LINK_ENCRYPTION_KEY"),
    )
    # Where the links in messages point: the console served by the gateway.
    public_url: str = Field(default="http://localhost:3000", max_length=500)

    # E-mail over SMTP. No host: e-mail goes to the development mailbox (.eml files under
    # DATA_DIR/mailbox), which production refuses to use.
    smtp_host: str = Field(default="", max_length=253)
    smtp_port: int = Field(default=587, ge=1, le=65_535)
    # starttls: plain connection upgraded by STARTTLS (port 587); tls: TLS from the first
    # byte (port 465); none: only for a relay on the same host or network.
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = Field(default="", max_length=254)
    smtp_password: str = Field(default="", max_length=500)
    # A CA bundle to trust besides the system's (a private relay's certificate).
    smtp_ca_file: str = Field(default="", max_length=4096)
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    # A tenant's own SMTP relay may be a loopback or private address only when this is
    # true (development, tests); otherwise owners could make this service connect
    # inside the platform's network.
    tenant_smtp_private_hosts: bool = False
    email_from: str = Field(default="StudySpot <no-reply@studyspot.local>", max_length=320)
    # Bounces and complaints that arrive after sending (email_reports.py). With a domain, every
    # e-mail of a business sent through the platform's relay carries the envelope sender
    # (Return-Path) `<local part>+<token of the delivery>@<domain>`; mail to it must reach
    # POST /api/messages/webhooks/email/inbound?token=<bounce webhook token> as the raw
    # message (a relay's inbound route). No domain (the default, and the development
    # mailbox's case): the envelope sender is the From address and no report is matched.
    bounce_domain: str = Field(
        default="",
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+)?$",
    )
    # Short, so that the local part with its 54-character token stays within 64 octets.
    bounce_local_part: str = Field(default="bounces", pattern=r"^[a-z0-9][a-z0-9._-]{0,8}$")
    bounce_webhook_token: str = Field(default="", pattern=r"^([A-Za-z0-9_\-]{24,200})?$")
    # SendGrid's signed Event Webhook (the relay is smtp.sendgrid.net): the verification key
    # its Mail Settings show (base64 DER of an ECDSA P-256 public key). Set: each business
    # e-mail names its delivery in X-SMTPAPI unique_args, and bounce, dropped and
    # spamreport events posted to /api/messages/webhooks/sendgrid/events suppress.
    sendgrid_event_public_key: str = Field(default="", pattern=r"^[A-Za-z0-9+/=]{0,400}$")

    # How often each instance looks for deliveries that are due (0: never; tests drive it).
    dispatch_seconds: float = Field(default=2.0, ge=0, le=3_600)
    # Deliveries taken per database and round.
    dispatch_batch: int = Field(default=100, ge=1, le=10_000)
    # A claimed delivery whose sender died is taken again after this long.
    send_lease_seconds: int = Field(default=120, ge=5, le=3_600)
    # Failed sends are retried with exponential backoff from the base up to the maximum,
    # and after this many attempts the delivery is dead (visible to the owner).
    max_attempts: int = Field(default=8, ge=1, le=100)
    retry_base_seconds: float = Field(default=30.0, ge=0.01, le=3_600)
    retry_max_seconds: float = Field(default=3_600.0, ge=0.01, le=86_400)

    # Channels tried in this order for a person's notifications; a channel that is not
    # configured, or for which the person has no address or consent, is passed over, and
    # a delivery that fails for good falls back to the next one.
    fallback_order: str = Field(default="whatsapp,sms,email", pattern=r"^[a-z_,]{1,64}$")

    # WhatsApp Cloud API (Meta). Sending needs the phone number id and access token;
    # status callbacks need the app secret (signature) and the verify token (subscription).
    whatsapp_base_url: str = Field(default="https://graph.facebook.com", max_length=500)
    whatsapp_api_version: str = Field(default="v21.0", pattern=r"^v\d+\.\d+$")
    whatsapp_phone_number_id: str = Field(default="", max_length=64)
    whatsapp_access_token: str = Field(default="", max_length=1000)
    whatsapp_app_secret: str = Field(default="", max_length=200)
    whatsapp_verify_token: str = Field(default="", max_length=200)
    # What one template message costs (utility / marketing conversations), in paise.
    whatsapp_utility_price_paise: int = Field(default=15, ge=0, le=100_000)
    whatsapp_marketing_price_paise: int = Field(default=90, ge=0, le=100_000)

    # MSG91 SMS (flow API). DLT: the registered 6-character sender header, the principal
    # entity id, and per message kind the flow and DLT template ids, as JSON:
    # {"invite": {"flow_id": "...", "dlt_template_id": "..."}, ...}.
    msg91_base_url: str = Field(default="https://control.msg91.com", max_length=500)
    msg91_auth_key: str = Field(default="", max_length=200)
    msg91_sender: str = Field(default="", pattern=r"^([A-Z]{6})?$")
    msg91_entity_id: str = Field(default="", pattern=r"^\d{0,19}$")
    msg91_flows_json: str = Field(default="{}", max_length=20_000)
    # The secret in the delivery-report URL set on MSG91's panel
    # (…/api/messages/webhooks/msg91?token=…): MSG91 signs nothing. Empty: reports refused.
    msg91_webhook_token: str = Field(default="", pattern=r"^([A-Za-z0-9_\-]{24,200})?$")
    sms_price_paise_per_segment: int = Field(default=25, ge=0, le=100_000)
    # Which SMS provider the platform uses: MSG91 (flows), or Twilio's Messages API, where
    # DLT templates are matched by content on Twilio's side (the sender registered there).
    sms_provider: Literal["msg91", "twilio"] = "msg91"
    twilio_base_url: str = Field(default="https://api.twilio.com", max_length=500)
    twilio_account_sid: str = Field(default="", pattern=r"^(AC[0-9a-f]{32})?$")
    twilio_auth_token: str = Field(default="", max_length=200)
    twilio_from: str = Field(
        default="", max_length=32, description="The registered sender id or number"
    )

    # Credits bought from StudySpot (paid on its Razorpay or Cashfree account, GST included): the packs
    # the console offers, and the range (whole rupees) of an amount of the owner's choosing.
    credit_packs_paise: tuple[int, ...] = (50_000, 100_000, 250_000, 500_000)
    credit_purchase_min_paise: int = Field(default=10_000, ge=100, le=10_000_000)
    credit_purchase_max_paise: int = Field(default=2_000_000, ge=100, le=10_000_000)
    # A purchase still `ordered` this long after it was made is marked `abandoned` (paid
    # later after all, it is still credited), by a job each instance offers to run every
    # `credit_sweep_seconds` and one runs per period (0: never; tests drive it).
    credit_purchase_expiry_hours: float = Field(default=24.0, ge=1, le=720)
    credit_sweep_seconds: float = Field(default=900.0, ge=0, le=86_400)

    def channel_order(self) -> list[str]:
        return [c for c in (part.strip() for part in self.fallback_order.split(",")) if c]

    def msg91_flows(self) -> dict[str, Msg91Flow]:
        raw = json.loads(self.msg91_flows_json or "{}")
        return {
            kind: Msg91Flow(str(v["flow_id"]), str(v["dlt_template_id"])) for kind, v in raw.items()
        }

    @property
    def whatsapp_ready(self) -> bool:
        return bool(self.whatsapp_phone_number_id and self.whatsapp_access_token)

    @property
    def twilio_ready(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from)

    @property
    def msg91_ready(self) -> bool:
        return bool(self.msg91_auth_key and self.msg91_sender and self.msg91_entity_id)
