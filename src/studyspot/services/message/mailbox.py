"""Reading the development mailbox: the .eml files DevMailbox wrote, newest first."""

from __future__ import annotations

import email
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path


@dataclass(frozen=True)
class MailboxEntry:
    id: uuid.UUID
    to: str
    subject: str
    written_at: datetime
    text: str


def _read(path: Path) -> MailboxEntry | None:
    try:
        delivery_id = uuid.UUID(path.stem)
        mail = email.message_from_bytes(path.read_bytes(), policy=default)
        written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (ValueError, OSError):
        return None  # not one of ours, or removed meanwhile
    assert isinstance(mail, EmailMessage)
    body = mail.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return MailboxEntry(delivery_id, str(mail["To"]), str(mail["Subject"]), written, text)


def read_mailbox(
    folder: Path, *, to: str | None, offset: int, limit: int
) -> tuple[list[MailboxEntry], int]:
    """A page of messages (optionally only those to `to`) and how many match."""
    if not folder.is_dir():
        return [], 0
    paths = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    entries = [e for e in (_read(p) for p in paths) if e is not None]
    if to is not None:
        wanted = to.lower()
        entries = [e for e in entries if e.to.lower() == wanted]
    return entries[offset : offset + limit], len(entries)
