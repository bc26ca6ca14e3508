"""Files for attachment tests: one of each allowed type, and what must be refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from studyspot.kit.storage import LocalDiskStorage
from studyspot.services.community.runtime import runtime_of
from tests.conftest import Apps

MIB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20) + b"\xff\xd9"
WEBP = b"RIFF" + (24).to_bytes(4, "little") + b"WEBPVP8 " + bytes(16)
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"

ALLOWED = {
    "application/pdf": ("notes.pdf", PDF),
    "image/png": ("board.png", PNG),
    "image/jpeg": ("page.jpeg", JPEG),
    "image/webp": ("photo.webp", WEBP),
}


def pdf_of(size: int) -> bytes:
    """A PDF-looking file of exactly `size` bytes."""
    return PDF + b"%" * (size - len(PDF))


def multipart(body: str, *files: tuple[str, bytes, str]) -> dict[str, Any]:
    """httpx keyword arguments of a multipart post: the text and its files."""
    return {"data": {"body": body}, "files": [("files", f) for f in files]}


def blobs(apps: Apps) -> set[Path]:
    """Every blob the community service's (local) storage holds."""
    storage = runtime_of(apps.app("community")).storage
    assert isinstance(storage, LocalDiskStorage)
    return {p for p in storage.root.rglob("*") if p.is_file()} if storage.root.exists() else set()


def assert_served_safely(resp: httpx.Response, content_type: str) -> None:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == content_type
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in resp.headers["content-security-policy"]
    assert "default-src 'none'" in resp.headers["content-security-policy"]
    kind = "inline" if content_type.startswith("image/") else "attachment"
    assert resp.headers["content-disposition"].startswith(kind + ";")
