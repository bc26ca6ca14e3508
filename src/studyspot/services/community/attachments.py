"""Attachments of posts and inbox messages: PDF, PNG, JPEG and WebP, nothing else.

A post (or message) with files is one `multipart/form-data` request. The order of work
makes it all or nothing:

1. the caller may post here (checked before a byte of the body is read);
2. the body is read as a stream, part by part: each file is counted while it arrives
   (413 `attachment_too_large` at the first byte over the limit, the rest never read) and
   its type is decided from its first bytes (415 `unsupported_attachment_type` for
   anything that is not one of the four, whatever the client's Content-Type or file
   name say); the parts are spooled to temporary files, nothing is stored yet;
3. every file is put in the storage (`kit/storage.py`) under a new random key;
4. one transaction writes the post and its attachment rows; if it fails, the blobs of
   step 3 are deleted again, so no blob is left without its row nor a row without its blob.

A process dying between 3 and 4 leaves blobs no row names (a sweep of those is not built).

Downloads are served with the sniffed type only, `X-Content-Type-Options: nosniff`, a
`Content-Security-Policy` that allows nothing and sandboxes (a PDF viewer or an image needs
no script), and `Content-Disposition: attachment` (images `inline`: an image type is never
run as a page). The file name is the client's, sanitised, with the extension of the
sniffed type: `notes.html` that is a PDF is served as `notes.pdf`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from tempfile import SpooledTemporaryFile
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import anyio
import structlog
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ValidationError
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import ClientDisconnect

from studyspot.kit.errors import AppError, FieldProblem
from studyspot.kit.storage import BlobNotFound, BlobStorage
from studyspot.services.community.errors import AttachmentNotFound
from studyspot.services.community.models import ATTACHMENT_NAME_MAX
from studyspot.services.community.schemas import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENTS_MAX,
    AttachmentRead,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

log = structlog.get_logger("studyspot.community.attachments")

MIB = 1024 * 1024
MAX_FILE_BYTES = ATTACHMENT_MAX_BYTES
MAX_FILES = ATTACHMENTS_MAX
FILES_FIELD = "files"
# A text field (the post's or message's body: 4,000 characters are at most 16,000 bytes).
MAX_TEXT_BYTES = 16_000
MAX_PARTS = MAX_FILES + 4
# The whole request: every file at its limit, the text and the multipart framing.
MAX_BODY_BYTES = MAX_FILES * MAX_FILE_BYTES + 1 * MIB
SPOOL_IN_MEMORY = 1 * MIB

# Sniffed type → the extension its file name gets.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
}
ALLOWED = tuple(EXTENSIONS)
_KEEP_EXTENSIONS = {"image/jpeg": (".jpg", ".jpeg")}
SNIFF_BYTES = 12


def sniff(head: bytes) -> str | None:
    """The type of a file from its first bytes (magic numbers), or None for anything else."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


_UNSAFE = re.compile(r"[^\w .()+-]+")


def safe_name(raw: str | None, content_type: str) -> str:
    """The client's file name without any path, control or quoting characters, at most
    `ATTACHMENT_NAME_MAX` characters, ending with the extension of the sniffed type."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._") or "attachment"
    wanted = _KEEP_EXTENSIONS.get(content_type, (EXTENSIONS[content_type],))
    stem, dot, ext = name.rpartition(".")
    if dot and "." + ext.lower() in wanted:
        name, suffix = stem, "." + ext.lower()
    else:
        if dot and ext.lower() in ("pdf", "png", "jpg", "jpeg", "webp", "html", "htm", "svg"):
            name = stem  # a misleading extension goes; another (`.v2`) stays in the stem
        suffix = wanted[0]
    name = name.strip(" ._") or "attachment"
    return name[: ATTACHMENT_NAME_MAX - len(suffix)] + suffix


# --- problems --------------------------------------------------------------------------


class UnsupportedAttachmentType(AppError):
    status, code = 415, "unsupported_attachment_type"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name!r} is not a PDF, PNG, JPEG or WebP file (decided from its content, "
            "not its name or declared type)"
        )


class AttachmentTooLarge(AppError):
    status, code = 413, "attachment_too_large"

    def __init__(self, name: str) -> None:
        super().__init__(f"{name!r} is larger than {MAX_FILE_BYTES} bytes (10 MiB)")


class TooManyAttachments(AppError):
    status, code = 422, "too_many_attachments"

    def __init__(self) -> None:
        super().__init__(f"At most {MAX_FILES} files per post or message")


class NotMultipart(AppError):
    status, code = 415, "unsupported_media_type"

    def __init__(self) -> None:
        super().__init__("Send multipart/form-data (fields `body` and `files`)")


class InvalidMultipart(AppError):
    status, code = 422, "invalid_multipart"


# --- receiving -------------------------------------------------------------------------


@dataclass
class Received:
    """One file of the request, checked and spooled (not stored yet)."""

    client_name: str | None
    spool: Any  # SpooledTemporaryFile[bytes]
    size: int = 0
    head: bytes = b""
    content_type: str | None = None
    digest: Any = field(default_factory=hashlib.sha256)

    @property
    def label(self) -> str:
        return (self.client_name or "file")[:ATTACHMENT_NAME_MAX]

    @property
    def file_name(self) -> str:
        assert self.content_type is not None
        return safe_name(self.client_name, self.content_type)

    @property
    def sha256(self) -> str:
        return str(self.digest.hexdigest())


@dataclass
class Upload:
    fields: dict[str, str]
    files: list[Received]

    def close(self) -> None:
        for f in self.files:
            f.spool.close()


@dataclass
class _Part:
    name: str = ""
    file: Received | None = None
    text: bytearray = field(default_factory=bytearray)


class _Reader:
    """python-multipart callbacks: each file counted, hashed and sniffed as it arrives."""

    def __init__(self, text_fields: frozenset[str]) -> None:
        self.text_fields = text_fields
        self.upload = Upload({}, [])
        self.part = _Part()
        self.parts = 0
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.pending: list[tuple[Received, bytes]] = []

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise InvalidMultipart(f"At most {MAX_PARTS} parts")
        self.part = _Part()
        self.disposition = b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        self.part.name = name
        if name == FILES_FIELD:
            if len(self.upload.files) >= MAX_FILES:
                raise TooManyAttachments()
            raw = options.get(b"filename")
            client_name = raw.decode("utf-8", "replace") if raw is not None else None
            spool = SpooledTemporaryFile(SPOOL_IN_MEMORY)  # noqa: SIM115 (closed by Upload.close)
            self.part.file = Received(client_name, spool)
            self.upload.files.append(self.part.file)
        elif name not in self.text_fields or name in self.upload.fields:
            raise InvalidMultipart(
                "Unknown or repeated form field",
                errors=[FieldProblem(field=f"body.{name[:40]}", message="Unknown field")],
            )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        received = self.part.file
        if received is None:
            if len(self.part.text) + len(chunk) > MAX_TEXT_BYTES:
                raise InvalidMultipart(
                    "A form field is too long",
                    errors=[FieldProblem(field=f"body.{self.part.name}", message="Too long")],
                )
            self.part.text.extend(chunk)
            return
        received.size += len(chunk)
        if received.size > MAX_FILE_BYTES:
            raise AttachmentTooLarge(received.label)
        if received.content_type is None:
            received.head += chunk[: SNIFF_BYTES - len(received.head)]
            if len(received.head) >= SNIFF_BYTES:
                self._decide(received)
        received.digest.update(chunk)
        self.pending.append((received, chunk))

    def _decide(self, received: Received) -> None:
        found = sniff(received.head)
        if found is None:
            raise UnsupportedAttachmentType(received.label)
        received.content_type = found

    def on_part_end(self) -> None:
        received = self.part.file
        if received is None:
            try:
                self.upload.fields[self.part.name] = self.part.text.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidMultipart(
                    "A form field is not UTF-8",
                    errors=[FieldProblem(field=f"body.{self.part.name}", message="Not UTF-8")],
                ) from None
        elif received.content_type is None:
            self._decide(received)  # a file shorter than the sniffed prefix


async def receive(request: Request, text_fields: Sequence[str]) -> Upload:
    """The request's text fields and files, every file checked; nothing stored yet."""
    media, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise NotMultipart()
    reader = _Reader(frozenset(text_fields))
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": reader.on_part_begin,
            "on_part_data": reader.on_part_data,
            "on_part_end": reader.on_part_end,
            "on_header_field": reader.on_header_field,
            "on_header_value": reader.on_header_value,
            "on_header_end": reader.on_header_end,
            "on_headers_finished": reader.on_headers_finished,
        },
    )
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > MAX_BODY_BYTES:  # preamble, epilogue or headers beyond any limit
                raise AppError(
                    "The request body is too large", status=413, code="payload_too_large"
                )
            parser.write(chunk)
            pending, reader.pending = reader.pending, []
            if pending:
                # Spooled files roll over to disk past 1 MiB: write off the event loop.
                await anyio.to_thread.run_sync(_write_all, pending)
        parser.finalize()
    except FormParserError:
        reader.upload.close()
        raise InvalidMultipart("The multipart body is malformed") from None
    except ClientDisconnect:
        # Nobody reads the answer; a problem instead of an unhandled error in the logs.
        reader.upload.close()
        raise InvalidMultipart("The upload was cut off before its end") from None
    except BaseException:
        reader.upload.close()
        raise
    return reader.upload


def _write_all(pending: list[tuple[Received, bytes]]) -> None:
    for received, chunk in pending:
        received.spool.write(chunk)


# --- storing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    id: uuid.UUID
    key: str
    position: int
    received: Received


def key_prefix(kind: Literal["community-posts", "group-posts", "inbox"], tenant_id: Any) -> str:
    """Storage keys of a kind; a tenant's under the tenant, to find them all (an erasure)."""
    if tenant_id is None:
        return f"community/{kind}"
    return f"community/t/{tenant_id}/{kind}"


async def keep(
    storage: BlobStorage,
    prefix: str,
    upload: Upload,
    write: Callable[[list[Stored]], Awaitable[T]],
) -> T:
    """Store the upload's files, then `write` the rows naming them (one transaction); if
    that fails the blobs are deleted again. The spooled files are closed either way."""
    try:
        stored = await store(storage, prefix, upload.files)
        try:
            return await write(stored)
        except BaseException:
            await discard(storage, [s.key for s in stored])
            raise
    finally:
        upload.close()


async def accept(
    request: Request,
    storage: BlobStorage,
    prefix: str,
    model: type[M],
    write: Callable[[M, list[Stored]], Awaitable[T]],
) -> T:
    """A multipart post or message: its files received and checked, its text fields as
    `model`, then the files stored and `write` called with both (see `keep`)."""
    upload = await receive(request, list(model.model_fields))
    body = fields_as(upload, model)
    return await keep(storage, prefix, upload, lambda stored: write(body, stored))


def fields_as(upload: Upload, model: type[M]) -> M:
    """The upload's text fields as a request body model (422 problems as for JSON)."""
    try:
        return model.model_validate(upload.fields)
    except ValidationError as exc:
        upload.close()
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None


async def store(storage: BlobStorage, prefix: str, files: list[Received]) -> list[Stored]:
    """Put every file in the storage; if one fails, those already put are deleted."""
    stored: list[Stored] = []
    try:
        for position, received in enumerate(files):
            attachment_id = uuid.uuid4()
            key = f"{prefix}/{attachment_id}"
            assert received.content_type is not None
            await storage.put(key, received.spool, content_type=received.content_type)
            stored.append(Stored(attachment_id, key, position, received))
    except BaseException:
        await discard(storage, [s.key for s in stored])
        raise
    return stored


async def discard(storage: BlobStorage, keys: Sequence[str]) -> None:
    """Delete blobs no row shows any more: those of a post that was not written, or that was
    removed (best effort: a failure is logged, never raised, the answer stands)."""
    for key in keys:
        try:
            await storage.delete(key)
        except Exception as exc:
            log.warning("attachment_discard_failed", key=key, error=type(exc).__name__)


def rows(
    model: type[Any],
    tenant_id: uuid.UUID,
    parent_id: uuid.UUID,
    stored: Sequence[Stored],
    now: datetime,
) -> list[Any]:
    return [
        model(
            id=s.id,
            tenant_id=tenant_id,
            parent_id=parent_id,
            position=s.position,
            storage_key=s.key,
            content_type=s.received.content_type,
            size_bytes=s.received.size,
            file_name=s.received.file_name,
            sha256=s.received.sha256,
            created_at=now,
        )
        for s in stored
    ]


# --- reading ---------------------------------------------------------------------------


def read(row: Any, download_base: str) -> AttachmentRead:
    return AttachmentRead(
        id=row.id,
        file_name=row.file_name,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        download_path=f"{download_base}/attachments/{row.id}",
    )


async def of_parents(
    session: AsyncSession, model: type[Any], tenant_id: uuid.UUID | None, parent_ids: Sequence[Any]
) -> dict[uuid.UUID, list[Any]]:
    """The attachment rows of these parents, in upload order, by parent id."""
    found: dict[uuid.UUID, list[Any]] = {}
    if not parent_ids:
        return found
    query = select(model).where(model.parent_id.in_(list(parent_ids)))
    if tenant_id is not None:
        query = query.where(model.tenant_id == tenant_id)
    for row in await session.scalars(query.order_by(model.parent_id, model.position)):
        found.setdefault(row.parent_id, []).append(row)
    return found


async def find(
    session: AsyncSession, model: type[Any], tenant_id: uuid.UUID | None, attachment_id: uuid.UUID
) -> Any:
    query = select(model).where(model.id == attachment_id)
    if tenant_id is not None:
        query = query.where(model.tenant_id == tenant_id)
    row = (await session.scalars(query)).first()
    if row is None:
        raise AttachmentNotFound()
    return row


def _disposition(row: Any) -> str:
    kind = "inline" if row.content_type.startswith("image/") else "attachment"
    ascii_name = row.file_name.encode("ascii", "replace").decode().replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.file_name)}"


DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


async def download(storage: BlobStorage, row: Any) -> StreamingResponse:
    """The blob, as its sniffed type only, never to be read as a page."""
    try:
        blob = await storage.open(row.storage_key)
    except BlobNotFound:
        log.warning("attachment_blob_missing", attachment_id=str(row.id))
        raise AttachmentNotFound() from None
    return StreamingResponse(
        blob.chunks(),
        media_type=row.content_type,
        headers={
            **DOWNLOAD_HEADERS,
            "Content-Length": str(blob.size),
            "Content-Disposition": _disposition(row),
        },
    )


# The OpenAPI of the multipart bodies and binary answers (read by the routes).
def multipart_body(model: type[BaseModel]) -> dict[str, Any]:
    """The multipart request body: `model`'s text fields (as in its JSON form) and `files`."""
    schema = model.model_json_schema()
    # The text fields' constraints as in the JSON body (without pydantic's titles).
    text = {
        name: {k: v for k, v in field.items() if k != "title"}
        for name, field in schema["properties"].items()
    }
    properties = {
        **text,
        FILES_FIELD: {
            "type": "array",
            "minItems": 0,
            "maxItems": MAX_FILES,
            "items": {"type": "string", "format": "binary"},
            "description": (
                f"0 to {MAX_FILES} files of at most {MAX_FILE_BYTES} bytes each: PDF, PNG, "
                "JPEG or WebP, decided from the content"
            ),
        },
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": schema.get("required", []),
                        "properties": properties,
                        "additionalProperties": False,
                    },
                    "encoding": {FILES_FIELD: {"contentType": ", ".join(ALLOWED)}},
                }
            },
        }
    }


DOWNLOAD_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, as its sniffed type (`Content-Disposition: attachment` for "
        "PDF, `inline` for images)",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ALLOWED},
    }
}
