"""E-mail providers against a real SMTP server on loopback, and the development mailbox."""

from __future__ import annotations

import email
import uuid
from email.policy import default
from pathlib import Path

import pytest

from studyspot.services.message.channels.base import Outgoing, SendFailed
from studyspot.services.message.channels.email import DevMailbox, SmtpEmail
from studyspot.services.message.config import MessageSettings
from tests.fixtures.smtp import Inbox, smtp_server


def _config(inbox: Inbox, **overrides: object) -> MessageSettings:
    values: dict[str, object] = {
        "smtp_host": inbox.host,
        "smtp_port": inbox.port,
        "smtp_security": "none",
        "email_from": "Lakshya Library <no-reply@studyspot.test>",
    }
    values.update(overrides)
    return MessageSettings(**values)  # type: ignore[arg-type]


def _message(to: str = "asha@example.com", **overrides: object) -> Outgoing:
    values: dict[str, object] = {
        "delivery_id": uuid.uuid4(),
        "to": to,
        "subject": "Reset your StudySpot password",
        "text": "Hello Asha,\n\nअपना पासवर्ड बदलें: http://localhost:3000/reset-password?token=x\n",
        "category": "transactional",
    }
    values.update(overrides)
    return Outgoing(**values)  # type: ignore[arg-type]


async def test_smtp_delivers_the_message_with_its_delivery_as_message_id() -> None:
    with smtp_server() as inbox:
        message = _message()
        accepted = await SmtpEmail(_config(inbox)).send(message)
        [received] = inbox.to("asha@example.com")
    assert accepted.provider == "smtp"
    assert received["Subject"] == "Reset your StudySpot password"
    assert received["From"] == "Lakshya Library <no-reply@studyspot.test>"
    assert message.delivery_id.hex in received["Message-ID"]
    assert received["Message-ID"] == accepted.provider_message_id
    assert received["Auto-Submitted"] == "auto-generated"
    assert "अपना पासवर्ड बदलें" in received.get_content()


async def test_smtp_upgrades_with_starttls_and_logs_in() -> None:
    with smtp_server(tls=True, login=("relay-user", "relay-secret")) as inbox:
        config = _config(
            inbox,
            smtp_security="starttls",
            smtp_username="relay-user",
            smtp_password="relay-secret",
            smtp_ca_file=inbox.ca_file,
        )
        await SmtpEmail(config).send(_message())
        assert len(inbox.to("asha@example.com")) == 1
        assert inbox.logins == ["relay-user"]


async def test_a_relay_that_requires_tls_refuses_a_plain_client() -> None:
    with smtp_server(tls=True, login=("relay-user", "relay-secret")) as inbox:
        config = _config(inbox, smtp_username="relay-user", smtp_password="relay-secret")
        with pytest.raises(SendFailed) as failed:
            await SmtpEmail(config).send(_message())
        assert not failed.value.permanent  # a configuration problem: retried once fixed
        assert inbox.messages == []


async def test_a_wrong_relay_password_is_a_retryable_failure_naming_no_secret() -> None:
    with smtp_server(tls=True, login=("relay-user", "relay-secret")) as inbox:
        config = _config(
            inbox,
            smtp_security="starttls",
            smtp_username="relay-user",
            smtp_password="wrong-secret",
            smtp_ca_file=inbox.ca_file,
        )
        with pytest.raises(SendFailed) as failed:
            await SmtpEmail(config).send(_message())
    assert failed.value.code == "smtp_login_refused" and not failed.value.permanent
    assert "wrong-secret" not in str(failed.value)


async def test_a_refused_recipient_is_a_permanent_failure() -> None:
    with smtp_server() as inbox:
        inbox.refuse.add("gone@example.com")
        with pytest.raises(SendFailed) as failed:
            await SmtpEmail(_config(inbox)).send(_message("gone@example.com"))
    assert failed.value.code == "recipient_refused" and failed.value.permanent


async def test_an_unreachable_relay_is_retryable() -> None:
    with smtp_server() as inbox:
        config = _config(inbox)
    # The server is gone now.
    with pytest.raises(SendFailed) as failed:
        await SmtpEmail(config).send(_message())
    assert failed.value.code == "smtp_unreachable" and not failed.value.permanent


async def test_dev_mailbox_keeps_one_file_per_delivery_even_when_sent_twice(
    tmp_path: Path,
) -> None:
    box = DevMailbox(tmp_path / "mailbox", "StudySpot <no-reply@studyspot.test>")
    message = _message()
    await box.send(message)
    await box.send(message)
    [path] = list((tmp_path / "mailbox").iterdir())
    assert path.name == f"{message.delivery_id}.eml"
    parsed = email.message_from_bytes(path.read_bytes(), policy=default)
    assert parsed["To"] == "asha@example.com"
    assert "reset-password?token=x" in parsed.get_body().get_content()  # type: ignore[union-attr]
