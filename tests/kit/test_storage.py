"""The blob storage: local disk, and S3 against a local fake S3 server (moto), never the
internet. The same put / open / delete behaviour on both."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from studyspot.kit.settings import Settings
from studyspot.kit.storage import (
    BlobNotFound,
    BlobStorage,
    LocalDiskStorage,
    S3Storage,
    StorageSettings,
    create_storage,
)
from tests.fixtures.system import free_port

SECRET = "fake-secret-key-never-logged"
BUCKET = "studyspot-test"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="ap-south-1",
        aws_access_key_id="test",
        aws_secret_access_key=SECRET,
    ).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    yield endpoint
    server.stop()


@pytest.fixture(params=["local", "s3"])
async def storage(
    request: pytest.FixtureRequest, tmp_path: Path, s3_endpoint: str
) -> AsyncIterator[BlobStorage]:
    if request.param == "local":
        yield LocalDiskStorage(tmp_path / "blobs")
        return
    yield create_storage(
        Settings(environment="test", data_dir=tmp_path),
        StorageSettings(
            backend="s3",
            s3_endpoint_url=s3_endpoint,
            s3_bucket=BUCKET,
            s3_region="ap-south-1",
            s3_access_key_id="test",
            s3_secret_access_key=SecretStr(SECRET),
            s3_prefix="deploy-a/",
        ),
    )


async def _read(storage: BlobStorage, key: str) -> bytes:
    blob = await storage.open(key)
    data = b"".join([chunk async for chunk in blob.chunks()])
    assert blob.size == len(data)
    return data


async def test_put_read_and_delete(storage: BlobStorage) -> None:
    data = bytes(range(256)) * 1000  # several chunks
    await storage.put("community/t/abc/one", io.BytesIO(data), content_type="application/pdf")
    assert await _read(storage, "community/t/abc/one") == data
    # Overwriting a key replaces it whole.
    await storage.put("community/t/abc/one", io.BytesIO(b"%PDF-2"), content_type="application/pdf")
    assert await _read(storage, "community/t/abc/one") == b"%PDF-2"
    await storage.delete("community/t/abc/one")
    with pytest.raises(BlobNotFound):
        await storage.open("community/t/abc/one")
    await storage.delete("community/t/abc/one")  # deleting again is no error
    with pytest.raises(BlobNotFound):
        await storage.open("never/written")


async def test_keys_cannot_climb_out_of_the_store(storage: BlobStorage) -> None:
    for key in ("../etc/passwd", "a/../../b", "/abs", "a//b", "a/./b", "sp ace", ""):
        with pytest.raises(ValueError):
            await storage.put(key, io.BytesIO(b"x"), content_type="image/png")


async def test_s3_keys_carry_the_prefix_and_the_type(
    s3_endpoint: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    storage = S3Storage(
        endpoint_url=s3_endpoint,
        bucket=BUCKET,
        region="ap-south-1",
        access_key_id="test",
        secret_access_key=SecretStr(SECRET),
        prefix="deploy-b/",
    )
    await storage.put("x/y", io.BytesIO(b"\x89PNG\r\n\x1a\n"), content_type="image/png")
    raw = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="ap-south-1",
        aws_access_key_id="test",
        aws_secret_access_key=SECRET,
    ).head_object(Bucket=BUCKET, Key="deploy-b/x/y")
    assert raw["ContentType"] == "image/png"
    assert SECRET not in repr(storage) and SECRET not in caplog.text
    assert SECRET not in repr(StorageSettings(s3_secret_access_key=SecretStr(SECRET)))


def test_local_disk_is_the_default_under_the_data_dir(tmp_path: Path) -> None:
    made = create_storage(Settings(environment="test", data_dir=tmp_path), StorageSettings())
    assert isinstance(made, LocalDiskStorage) and made.root == tmp_path / "blobs"
    with pytest.raises(ValueError, match="STORAGE_S3_BUCKET"):
        create_storage(Settings(environment="test"), StorageSettings(backend="s3"))
