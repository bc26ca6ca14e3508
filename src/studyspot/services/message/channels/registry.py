"""Which provider serves each channel, from configuration."""

from __future__ import annotations

from studyspot.kit.settings import Settings
from studyspot.services.message.channels.base import ChannelProvider
from studyspot.services.message.channels.email import MAILBOX_DIR, DevMailbox, SmtpEmail
from studyspot.services.message.channels.msg91 import Msg91Sms
from studyspot.services.message.channels.twilio import TwilioSms
from studyspot.services.message.channels.whatsapp import WhatsAppCloud
from studyspot.services.message.config import MessageSettings


def email_provider(settings: Settings, config: MessageSettings) -> ChannelProvider | None:
    """SMTP when a relay is configured; otherwise the development mailbox, except in
    production, where e-mail piling up unread on a container's disk would be a silent
    loss: there deliveries fail visibly (`channel_not_configured`) instead."""
    if config.smtp_host:
        return SmtpEmail(config)
    if settings.environment == "production":
        return None
    return DevMailbox(settings.data_dir / MAILBOX_DIR, config.email_from)


def providers(settings: Settings, config: MessageSettings) -> dict[str, ChannelProvider]:
    """Channel name → its provider; a channel left out cannot be sent on."""
    found: dict[str, ChannelProvider] = {}
    email = email_provider(settings, config)
    if email is not None:
        found[email.channel] = email
    if config.whatsapp_ready:
        found["whatsapp"] = WhatsAppCloud(config)
    sms = sms_provider(config)
    if sms is not None:
        found["sms"] = sms
    return found


def sms_provider(config: MessageSettings) -> ChannelProvider | None:
    """The SMS provider `MESSAGE_SMS_PROVIDER` names, if it is set up."""
    if config.sms_provider == "twilio":
        return TwilioSms(config) if config.twilio_ready else None
    return Msg91Sms(config) if config.msg91_ready else None
