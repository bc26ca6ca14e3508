"""Attachments of group posts, community posts and inbox messages: PDF and images only,
decided from the bytes; limits refused as the file arrives; nothing half-kept; downloads
never served as a page; the same visibility as the post or message."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import IO

import pytest

from studyspot.kit.storage import LocalDiskStorage
from studyspot.services.community import attachments
from studyspot.services.community.attachments import Received, Upload
from tests.community.attachments import (
    ALLOWED,
    HTML,
    MIB,
    PDF,
    PNG,
    assert_served_safely,
    blobs,
    multipart,
    pdf_of,
)
from tests.community.helpers import COMMUNITIES, GROUPS, INBOX, community, group_setup, join
from tests.conftest import Apps
from tests.fixtures.bookings import ready_library, student_login
from tests.fixtures.library import hire_staff, raise_limits
from tests.fixtures.users import create_platform_user


async def test_each_allowed_type_is_kept_and_downloaded_byte_identical(apps: Apps) -> None:
    setup = await group_setup(apps)
    http = community(apps)
    assert (await join(apps, setup.booked.student, setup.group_id)).status_code == 200
    files = [(name, data, "application/octet-stream") for name, data in ALLOWED.values()]
    made = await http.post(
        f"{GROUPS}/{setup.group_id}/posts/upload",
        **multipart("Today's notes", *files),
        headers=setup.owner.headers,
    )
    assert made.status_code == 201, made.text
    shown = made.json()["attachments"]
    assert [a["content_type"] for a in shown] == list(ALLOWED)
    assert [a["file_name"] for a in shown] == ["notes.pdf", "board.png", "page.jpeg", "photo.webp"]
    assert [a["size_bytes"] for a in shown] == [len(d) for _, d in ALLOWED.values()]

    # A member reads the post with its files, and downloads each exactly as it was sent.
    listed = await http.get(
        f"{GROUPS}/{setup.group_id}/posts", headers=setup.booked.student.headers
    )
    (item,) = listed.json()["items"]
    assert item["attachments"] == shown
    for attachment, (content_type, (_, data)) in zip(shown, ALLOWED.items(), strict=True):
        got = await http.get(attachment["download_path"], headers=setup.booked.student.headers)
        assert_served_safely(got, content_type)
        assert got.content == data

    # A student who is not a member reads no post, and no file of one.
    hidden = await http.get(shown[0]["download_path"], headers=setup.unbooked.headers)
    assert hidden.status_code == 403 and hidden.json()["code"] == "not_a_member"

    # Removing the post removes its files: from view, and from the storage.
    kept = blobs(apps)
    removed = await http.delete(
        f"{GROUPS}/{setup.group_id}/posts/{made.json()['id']}", headers=setup.owner.headers
    )
    assert removed.status_code == 204
    gone = await http.get(shown[0]["download_path"], headers=setup.booked.student.headers)
    assert gone.status_code == 404 and gone.json()["code"] == "attachment_not_found"
    assert len(kept - blobs(apps)) == 4


async def test_html_and_oversize_files_are_refused_and_nothing_is_kept(apps: Apps) -> None:
    setup = await group_setup(apps)
    http = community(apps)
    path = f"{GROUPS}/{setup.group_id}/posts/upload"
    before = blobs(apps)

    # HTML is refused whatever it is called and whatever type the client declares, even
    # beside good files: no post, no blob.
    for refused in (
        ("page.html", HTML, "text/html"),
        ("notes.pdf", HTML, "application/pdf"),
        ("scan.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"),
        ("tiny.pdf", b"%PD", "application/pdf"),
    ):
        resp = await http.post(
            path,
            **multipart("Look", ("ok.pdf", PDF, "application/pdf"), refused),
            headers=setup.owner.headers,
        )
        assert resp.status_code == 415, resp.text
        assert resp.json()["code"] == "unsupported_attachment_type"

    # 10 MiB is the limit: exactly 10 MiB is kept, one byte more is refused.
    at_limit = await http.post(
        path,
        **multipart("Full syllabus", ("syllabus.pdf", pdf_of(10 * MIB), "application/pdf")),
        headers=setup.owner.headers,
    )
    assert at_limit.status_code == 201, at_limit.text
    assert at_limit.json()["attachments"][0]["size_bytes"] == 10 * MIB
    over = await http.post(
        path,
        **multipart("Too big", ("big.pdf", pdf_of(10 * MIB + 1), "application/pdf")),
        headers=setup.owner.headers,
    )
    assert over.status_code == 413 and over.json()["code"] == "attachment_too_large"

    # At most 4 files; the text is checked as in a JSON post; only multipart is taken.
    five = await http.post(
        path,
        **multipart("Five", *[(f"p{i}.png", PNG, "image/png") for i in range(5)]),
        headers=setup.owner.headers,
    )
    assert five.status_code == 422 and five.json()["code"] == "too_many_attachments"
    empty = await http.post(
        path, **multipart("", ("a.pdf", PDF, "application/pdf")), headers=setup.owner.headers
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body.body"
    unknown = await http.post(
        path,
        data={"body": "x", "author_id": str(uuid.uuid4())},
        files=[("files", ("a.pdf", PDF, "application/pdf"))],
        headers=setup.owner.headers,
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_multipart"
    as_json = await http.post(path, json={"body": "x"}, headers=setup.owner.headers)
    assert as_json.status_code == 415 and as_json.json()["code"] == "unsupported_media_type"

    # Only the post at the limit kept a file; the listing shows that post alone.
    assert len(blobs(apps) - before) == 1
    listed = await http.get(f"{GROUPS}/{setup.group_id}/posts", headers=setup.owner.headers)
    assert [p["body"] for p in listed.json()["items"]] == ["Full syllabus"]

    # A PDF named like a page is served as a PDF, under a PDF's name, never as HTML.
    renamed = await http.post(
        path,
        **multipart("Renamed", ('x"y/../evil.html', PDF, "text/html")),
        headers=setup.owner.headers,
    )
    (attachment,) = renamed.json()["attachments"]
    assert attachment["file_name"] == "evil.pdf"
    got = await http.get(attachment["download_path"], headers=setup.owner.headers)
    assert_served_safely(got, "application/pdf")
    assert "text/html" not in got.headers["content-type"]
    assert 'filename="evil.pdf"' in got.headers["content-disposition"]


async def test_files_stay_within_their_group_branch_and_tenant(apps: Apps) -> None:
    setup = await group_setup(apps)
    ready = setup.ready
    http = community(apps)
    made = await http.post(
        f"{GROUPS}/{setup.group_id}/posts/upload",
        **multipart("Timetable", ("t.pdf", PDF, "application/pdf")),
        headers=setup.owner.headers,
    )
    (attachment,) = made.json()["attachments"]
    url = attachment["download_path"]

    # Another group of the same tenant does not serve it under its own path.
    second = await http.post(
        GROUPS,
        json={"library_id": str(ready.library_id), "name": "Other"},
        headers=ready.owner.headers,
    )
    moved = url.replace(setup.group_id, second.json()["id"])
    assert (await http.get(moved, headers=ready.owner.headers)).status_code == 404

    # Another tenant's owner and student: 404.
    other = await ready_library(apps, seats=0, students=1, name="Second tenant")
    their_student = await student_login(apps, other, other.students[0])
    for who in (other.owner, their_student):
        resp = await http.get(url, headers=who.headers)
        assert resp.status_code == 404, resp.text

    # An inbox file: the student and its branch's staff; not another student, nor staff of
    # another branch, nor the same file under another thread.
    student = setup.booked.student
    thread = await http.post(
        INBOX,
        json={"library_id": str(ready.library_id), "subject": "Receipt", "body": "Attached"},
        headers=student.headers,
    )
    thread_path = f"{INBOX}/{thread.json()['id']}"
    sent = await http.post(
        f"{thread_path}/messages/upload",
        **multipart("My receipt", ("receipt.jpg", b"\xff\xd8\xff\xdb" + bytes(64), "image/jpeg")),
        headers=student.headers,
    )
    assert sent.status_code == 201, sent.text
    (file,) = sent.json()["attachments"]
    assert file["download_path"].startswith(thread_path + "/attachments/")
    messages = await http.get(f"{thread_path}/messages", headers=ready.owner.headers)
    assert messages.json()["items"][-1]["attachments"] == [file]
    got = await http.get(file["download_path"], headers=ready.owner.headers)
    assert_served_safely(got, "image/jpeg")
    assert got.content == b"\xff\xd8\xff\xdb" + bytes(64)
    # Staff answer with a file too.
    _, staff = await hire_staff(apps, ready.owner, [ready.library_id])
    answer = await http.post(
        f"{thread_path}/messages/upload",
        **multipart("Noted", ("ack.pdf", PDF, "application/pdf")),
        headers=staff.headers,
    )
    assert answer.status_code == 201, answer.text

    await raise_limits(apps, ready.owner, max_libraries=5, max_seats=1000)
    branch = await ready_library(apps, owner=ready.owner, seats=0, students=0, name="Branch B")
    _, elsewhere = await hire_staff(apps, ready.owner, [branch.library_id])
    for who in (setup.unbooked, elsewhere, their_student, other.owner):
        resp = await http.get(file["download_path"], headers=who.headers)
        assert resp.status_code == 404, resp.text
        write = await http.post(
            f"{thread_path}/messages/upload",
            **multipart("x", ("a.pdf", PDF, "application/pdf")),
            headers=who.headers,
        )
        assert write.status_code in (403, 404), write.text
    # A conversation may start with a file; the library side cannot start one.
    own_thread = await http.post(
        f"{INBOX}/upload",
        data={"library_id": str(ready.library_id), "subject": "Mine", "body": "Hello"},
        files=[("files", ("id.png", PNG, "image/png"))],
        headers=setup.unbooked.headers,
    )
    assert own_thread.status_code == 201, own_thread.text
    first = await http.get(
        f"{INBOX}/{own_thread.json()['id']}/messages", headers=setup.unbooked.headers
    )
    (opening,) = first.json()["items"]
    assert [a["file_name"] for a in opening["attachments"]] == ["id.png"]
    by_staff = await http.post(
        f"{INBOX}/upload",
        data={"library_id": str(ready.library_id), "subject": "x", "body": "y"},
        files=[("files", ("id.png", PNG, "image/png"))],
        headers=staff.headers,
    )
    assert by_staff.status_code == 403 and by_staff.json()["code"] == "students_only"
    before = blobs(apps)
    elsewhere_library = await http.post(
        f"{INBOX}/upload",
        data={"library_id": str(other.library_id), "subject": "x", "body": "y"},
        files=[("files", ("id.png", PNG, "image/png"))],
        headers=setup.unbooked.headers,
    )
    assert elsewhere_library.status_code == 404, elsewhere_library.text
    assert blobs(apps) == before  # stored, then deleted again with the refused write
    crossed = file["download_path"].replace(thread.json()["id"], own_thread.json()["id"])
    assert (await http.get(crossed, headers=setup.unbooked.headers)).status_code == 404


async def test_community_posts_carry_files_for_every_reader(apps: Apps) -> None:
    setup = await group_setup(apps)
    admin = await create_platform_user(apps)
    http = community(apps)
    made = await http.post(
        COMMUNITIES, json={"slug": "ssc-files", "name": "SSC"}, headers=admin.headers
    )
    base = f"{COMMUNITIES}/{made.json()['id']}"
    student = setup.booked.student
    not_yet = await http.post(
        f"{base}/posts/upload",
        **multipart("x", ("a.pdf", PDF, "application/pdf")),
        headers=student.headers,
    )
    assert not_yet.status_code == 403 and not_yet.json()["code"] == "not_a_member"
    await http.post(f"{base}/join", json={"display_name": "Owl"}, headers=student.headers)
    posted = await http.post(
        f"{base}/posts/upload",
        **multipart(
            "Tier 1 paper", ("paper.pdf", PDF, "application/pdf"), ("key.png", PNG, "image/png")
        ),
        headers=student.headers,
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["author"]["label"] == "Owl"
    # A student of another tenant reads the community, and its files.
    other = await ready_library(apps, seats=0, students=1, name="Second tenant")
    reader = await student_login(apps, other, other.students[0])
    listed = await http.get(f"{base}/posts", headers=reader.headers)
    (item,) = listed.json()["items"]
    assert item["author"]["user_id"] is None
    for attachment, data, content_type in zip(
        item["attachments"], (PDF, PNG), ("application/pdf", "image/png"), strict=True
    ):
        got = await http.get(attachment["download_path"], headers=reader.headers)
        assert_served_safely(got, content_type)
        assert got.content == data
        assert str(student.user_id) not in got.headers.values()
    # Removed by its author: its files go with it.
    kept = blobs(apps)
    await http.delete(f"{base}/posts/{posted.json()['id']}", headers=student.headers)
    gone = await http.get(item["attachments"][0]["download_path"], headers=reader.headers)
    assert gone.status_code == 404
    assert len(kept - blobs(apps)) == 2


async def test_blobs_of_a_post_that_was_not_written_are_deleted_again(tmp_path: Path) -> None:
    """`keep`: a write that fails after the files were stored leaves no blob behind; a
    storage that fails part-way deletes what it had put."""
    storage = LocalDiskStorage(tmp_path)
    upload = Upload({"body": "x"}, [_received("a.pdf", PDF), _received("b.png", PNG)])

    async def fails(stored: list[attachments.Stored]) -> None:
        assert len(stored) == 2 and all((tmp_path / s.key).exists() for s in stored)
        raise RuntimeError("the transaction failed")

    with pytest.raises(RuntimeError):
        await attachments.keep(storage, "community/t/x/group-posts", upload, fails)
    assert _files(tmp_path) == []

    class Breaks(LocalDiskStorage):
        """Takes one file, then the disk is full."""

        async def put(self, key: str, source: IO[bytes], *, content_type: str) -> None:
            if _files(tmp_path):
                raise OSError("disk full")
            await super().put(key, source, content_type=content_type)

    upload = Upload({"body": "x"}, [_received("a.pdf", PDF), _received("b.png", PNG)])
    with pytest.raises(OSError):
        await attachments.store(Breaks(tmp_path), "p", upload.files)
    assert _files(tmp_path) == []


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _received(name: str, data: bytes) -> Received:
    spool = io.BytesIO(data)
    return Received(name, spool, size=len(data), content_type=attachments.sniff(data))


def test_names_lose_paths_and_quotes_and_take_the_sniffed_extension() -> None:
    assert attachments.safe_name("../../etc/passwd", "application/pdf") == "passwd.pdf"
    assert attachments.safe_name('C:\\Users\\me\\"notes".html', "application/pdf") == "notes.pdf"
    assert attachments.safe_name("photo.JPEG", "image/jpeg") == "photo.jpeg"
    assert attachments.safe_name("scan.v2", "image/png") == "scan.v2.png"
    assert attachments.safe_name("", "image/webp") == "attachment.webp"
    assert attachments.safe_name("a\x00b\nc.pdf", "application/pdf") == "a_b_c.pdf"
    assert len(attachments.safe_name("x" * 500 + ".pdf", "application/pdf")) == 120
    for head in (HTML, b"<svg", b"PK\x03\x04", b"GIF89a", b"#!/bin/sh", b""):
        assert attachments.sniff(head) is None
