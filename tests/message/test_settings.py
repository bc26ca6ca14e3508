"""What the message service refuses or chooses at start, from its configuration."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studyspot.kit import keys
from studyspot.kit.settings import Settings
from studyspot.services.message.app import create_app
from studyspot.services.message.channels.email import DevMailbox, SmtpEmail
from tests.kit.test_secret_keys import production

LINK_KEY = "k2:" + base64.b64encode(os.urandom(32)).decode()
# The message service asks the student service for addresses: it signs as itself.
OWN_KEY = keys.private_pem(Ed25519PrivateKey.generate())


def _production(**changes: object) -> Settings:
    return production(service_private_key=OWN_KEY, **changes)


def test_production_refuses_the_development_link_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTH_LINK_ENCRYPTION_KEY", raising=False)
    with pytest.raises(RuntimeError, match="AUTH_LINK_ENCRYPTION_KEY"):
        create_app(_production())


def test_production_without_a_relay_has_no_email_channel_rather_than_a_disk_mailbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTH_LINK_ENCRYPTION_KEY", LINK_KEY)
    monkeypatch.delenv("MESSAGE_SMTP_HOST", raising=False)
    app = create_app(_production())
    assert "email" not in app.state.message.dispatcher.channels


def test_a_relay_is_used_when_configured_and_the_mailbox_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTH_LINK_ENCRYPTION_KEY", LINK_KEY)
    monkeypatch.setenv("MESSAGE_SMTP_HOST", "smtp.example.net")
    relayed = create_app(_production())
    assert isinstance(relayed.state.message.dispatcher.channels["email"], SmtpEmail)
    monkeypatch.delenv("MESSAGE_SMTP_HOST")
    local = create_app(production(environment="local"))
    assert isinstance(local.state.message.dispatcher.channels["email"], DevMailbox)
