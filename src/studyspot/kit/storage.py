"""One interface for stored files (blobs): local disk by default, any S3-compatible store
in production.

A blob is written whole from a file the caller has already checked (size, type), read back
as a stream of chunks, and deleted by its key. Keys are the caller's (`community/<id>`):
letters, digits, `/`, `_`, `-` and `.`, never a `..` segment, so that a key is also a safe
relative path under the local root.

- `LocalDiskStorage` (default): files under `DATA_DIR/blobs` (beside the embedded SQLite
  files and the development mailbox), written to a temporary name and renamed, so a reader
  never sees half a file. One machine only: several hosts need a shared store.
- `S3Storage` (`STORAGE_BACKEND=s3`): any S3-compatible store (AWS S3, MinIO, Ceph, R2...)
  through boto3, path-style addressing at `STORAGE_S3_ENDPOINT_URL`. boto3 is blocking: every
  call runs in a worker thread. The secret key is a `SecretStr`: it is in no repr nor log.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import anyio
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from studyspot.kit.settings import Settings

CHUNK = 64 * 1024
_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


class BlobNotFound(Exception):
    """No blob under this key (never written, or deleted)."""


def check_key(key: str) -> str:
    if len(key) > 512 or not _KEY.match(key) or any(p in (".", "..") for p in key.split("/")):
        raise ValueError(f"not a storage key: {key!r}")
    return key


@dataclass
class Blob:
    """A stored blob being read: its size, then its bytes chunk by chunk."""

    size: int
    _read: Callable[[], bytes]
    _close: Callable[[], None]

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            while chunk := await anyio.to_thread.run_sync(self._read):
                yield chunk
        finally:
            await anyio.to_thread.run_sync(self._close)


class BlobStorage(Protocol):
    async def put(self, key: str, source: IO[bytes], *, content_type: str) -> None:
        """Store the whole of `source` (read from its start) under `key`."""

    async def open(self, key: str) -> Blob:
        """The blob under `key`; `BlobNotFound` when there is none."""

    async def delete(self, key: str) -> None:
        """Remove the blob (nothing happens when there is none)."""


class LocalDiskStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, source: IO[bytes], *, content_type: str) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
            try:
                source.seek(0)
                with partial.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(partial, path)
            finally:
                partial.unlink(missing_ok=True)

        await anyio.to_thread.run_sync(write)

    async def open(self, key: str) -> Blob:
        path = self._path(key)

        def start() -> Blob:
            try:
                handle = path.open("rb")
            except FileNotFoundError:
                raise BlobNotFound(key) from None
            size = os.fstat(handle.fileno()).st_size
            return Blob(size, lambda: handle.read(CHUNK), handle.close)

        return await anyio.to_thread.run_sync(start)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))


class S3Storage:
    def __init__(
        self,
        *,
        endpoint_url: str | None,
        bucket: str,
        region: str,
        access_key_id: str,
        secret_access_key: SecretStr,
        prefix: str = "",
        timeout_seconds: float = 30.0,
    ) -> None:
        import boto3  # imported here: processes on local disk never load it
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key.get_secret_value() or None,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=timeout_seconds,
                read_timeout=timeout_seconds,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def __repr__(self) -> str:  # never the credentials
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put(self, key: str, source: IO[bytes], *, content_type: str) -> None:
        name = self._key(key)

        def upload() -> None:
            source.seek(0)
            self._client.upload_fileobj(
                source, self.bucket, name, ExtraArgs={"ContentType": content_type}
            )

        await anyio.to_thread.run_sync(upload)

    async def open(self, key: str) -> Blob:
        name = self._key(key)

        def start() -> Blob:
            try:
                found = self._client.get_object(Bucket=self.bucket, Key=name)
            except self._client.exceptions.NoSuchKey:
                raise BlobNotFound(key) from None
            body = found["Body"]
            return Blob(int(found["ContentLength"]), lambda: body.read(CHUNK), body.close)

        return await anyio.to_thread.run_sync(start)

    async def delete(self, key: str) -> None:
        name = self._key(key)
        await anyio.to_thread.run_sync(
            lambda: self._client.delete_object(Bucket=self.bucket, Key=name)
        )


class StorageSettings(BaseSettings):
    """`STORAGE_*`: where blobs go. Local disk unless `STORAGE_BACKEND=s3`."""

    model_config = SettingsConfigDict(
        env_prefix="STORAGE_", env_file=".env", extra="ignore", case_sensitive=False
    )

    backend: Literal["local", "s3"] = "local"
    # Local disk: this folder (empty: DATA_DIR/blobs).
    local_dir: str = Field(default="", max_length=4096)
    # S3: e.g. https://s3.ap-south-1.amazonaws.com or http://minio:9000 (path-style);
    # empty: AWS's own endpoint for the region.
    s3_endpoint_url: str = Field(default="", max_length=500, pattern=r"^(https?://\S+)?$")
    s3_bucket: str = Field(default="", max_length=63)
    s3_region: str = Field(default="us-east-1", max_length=40)
    s3_access_key_id: str = Field(default="", max_length=200)
    s3_secret_access_key: SecretStr = Field(default=SecretStr(""))
    # Prepended to every key, so that several deployments share one bucket.
    s3_prefix: str = Field(default="", max_length=200, pattern=r"^([A-Za-z0-9_.-]+/)*$")
    s3_timeout_seconds: float = Field(default=30.0, gt=0, le=600)


def create_storage(settings: Settings, storage: StorageSettings | None = None) -> BlobStorage:
    storage = storage or StorageSettings()
    if storage.backend == "s3":
        if not storage.s3_bucket:
            raise ValueError("STORAGE_S3_BUCKET is required with STORAGE_BACKEND=s3")
        return S3Storage(
            endpoint_url=storage.s3_endpoint_url or None,
            bucket=storage.s3_bucket,
            region=storage.s3_region,
            access_key_id=storage.s3_access_key_id,
            secret_access_key=storage.s3_secret_access_key,
            prefix=storage.s3_prefix,
            timeout_seconds=storage.s3_timeout_seconds,
        )
    root = Path(storage.local_dir) if storage.local_dir else settings.data_dir / "blobs"
    return LocalDiskStorage(root)
