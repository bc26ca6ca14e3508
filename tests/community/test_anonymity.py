"""An anonymous member's identity reaches no other student, through any endpoint."""

from __future__ import annotations

import re
from typing import Any

from studyspot.services.community.stream import STREAM_PATH
from tests.community.attachments import PDF, PNG, multipart
from tests.community.helpers import (
    COMMUNITIES,
    GROUPS,
    INBOX,
    community,
    group_setup,
    join,
    outbox,
    post,
)
from tests.community.sse import AppStream
from tests.conftest import Apps
from tests.fixtures.attendance import booked_student
from tests.fixtures.bookings import tomorrow
from tests.fixtures.users import create_platform_user


async def test_walking_every_endpoint_as_another_student_never_shows_the_anonymous_member(
    apps: Apps,
) -> None:
    setup = await group_setup(apps, allow_anonymous=True)
    ready, anonymous = setup.ready, setup.booked
    other = (await booked_student(apps, ready, start=tomorrow(), index=1)).student
    record = await apps.client("student").get(
        f"/api/v1/students/{anonymous.student_id}", headers=ready.owner.headers
    )
    secrets = [str(anonymous.student_id), record.json()["email"], record.json()["name"]]
    secrets += [str(anonymous.student.user_id), anonymous.student.email]

    # The anonymous member joins, posts; is in a community; writes to the library.
    member = await join(apps, anonymous.student, setup.group_id, anonymous=True)
    assert member.status_code == 200, member.text
    assert member.json()["label"] == f"Student {member.json()['number']}"
    anon_post = (await post(apps, anonymous.student, setup.group_id, "Who else is stuck?")).json()
    # And with a file: its attachment names no one either.
    anon_file = await community(apps).post(
        f"{GROUPS}/{setup.group_id}/posts/upload",
        **multipart("My notes", ("notes.pdf", PDF, "application/pdf")),
        headers=anonymous.student.headers,
    )
    assert anon_file.status_code == 201, anon_file.text
    assert anon_post["author"]["user_id"] == str(anonymous.student_id)  # its own view
    assert anon_post["mine"] is True
    events = await outbox(apps, "community.post_created")
    assert events[-1]["author_user_id"] is None and events[-1]["anonymous"] is True

    admin = await create_platform_user(apps)
    made = await community(apps).post(
        COMMUNITIES, json={"slug": "upsc-anon", "name": "UPSC"}, headers=admin.headers
    )
    community_id = made.json()["id"]
    await community(apps).post(
        f"{COMMUNITIES}/{community_id}/join",
        json={"display_name": "Owl"},
        headers=anonymous.student.headers,
    )
    community_post = await community(apps).post(
        f"{COMMUNITIES}/{community_id}/posts",
        json={"body": "Prelims notes?"},
        headers=anonymous.student.headers,
    )
    community_file = await community(apps).post(
        f"{COMMUNITIES}/{community_id}/posts/upload",
        **multipart("Prelims map", ("map.png", PNG, "image/png")),
        headers=anonymous.student.headers,
    )
    thread = await community(apps).post(
        INBOX,
        json={"library_id": str(ready.library_id), "subject": "Locker", "body": "Key lost"},
        headers=anonymous.student.headers,
    )
    inbox_file = await community(apps).post(
        f"{INBOX}/{thread.json()['id']}/messages/upload",
        **multipart("Photo", ("locker.png", PNG, "image/png")),
        headers=anonymous.student.headers,
    )
    invite = await community(apps).post(
        f"{GROUPS}/{setup.group_id}/invites", json={}, headers=ready.owner.headers
    )

    # Moderators see the real identity.
    seen = await community(apps).get(
        f"{GROUPS}/{setup.group_id}/posts", headers=ready.owner.headers
    )
    assert seen.json()["items"][0]["author"]["user_id"] == str(anonymous.student_id)

    ids = {
        "community_id": community_id,
        "group_id": setup.group_id,
        "post_id": anon_post["id"],
        "member_id": member.json()["member_id"],
        "thread_id": thread.json()["id"],
    }
    post_ids = {
        f"{COMMUNITIES}/{{community_id}}/posts/{{post_id}}": community_post.json()["id"],
    }
    attachment_ids = {
        f"{GROUPS}/{{group_id}}/attachments/{{attachment_id}}": anon_file.json()["attachments"],
        f"{COMMUNITIES}/{{community_id}}/attachments/{{attachment_id}}": community_file.json()[
            "attachments"
        ],
        f"{INBOX}/{{thread_id}}/attachments/{{attachment_id}}": inbox_file.json()["attachments"],
    }
    bodies: dict[tuple[str, str], Any] = {
        ("post", COMMUNITIES): {"slug": "mine", "name": "Mine"},
        ("patch", f"{COMMUNITIES}/{{community_id}}"): {"name": "Renamed"},
        ("post", f"{COMMUNITIES}/{{community_id}}/join"): {"display_name": "Bee"},
        ("post", f"{COMMUNITIES}/{{community_id}}/posts"): {"body": "Hi all"},
        ("post", GROUPS): {"library_id": str(ready.library_id), "name": "Mine"},
        ("patch", f"{GROUPS}/{{group_id}}"): {"name": "Renamed"},
        ("post", f"{GROUPS}/join-by-invite"): {"token": invite.json()["token"]},
        ("post", f"{GROUPS}/{{group_id}}/join"): {"display_name": "Bee"},
        ("post", f"{GROUPS}/{{group_id}}/posts"): {"body": "Hello"},
        ("post", f"{GROUPS}/{{group_id}}/invites"): {},
        ("post", f"{GROUPS}/{{group_id}}/members/{{member_id}}/mute"): {"minutes": 5},
        ("post", f"{GROUPS}/{{group_id}}/members/{{member_id}}/block"): {},
        ("post", INBOX): {
            "library_id": str(ready.library_id),
            "subject": "Wifi",
            "body": "Down again",
        },
        ("post", f"{INBOX}/{{thread_id}}/messages"): {"body": "Any news?"},
    }

    doc = community(apps)
    operations = [
        (method, path)
        for path, item in (await doc.get("/openapi.json")).json()["paths"].items()
        # The event stream never ends by itself: read below, as a stream.
        if path.startswith("/api/") and path != STREAM_PATH
        for method in item
    ]
    reads = [op for op in operations if op[0] == "get"]
    leaving = [op for op in operations if op[1].endswith("/leave")]
    writes = [op for op in operations if op not in reads and op not in leaving]
    walked: list[tuple[str, str, int]] = []
    answers: dict[tuple[str, str], Any] = {}
    for method, path in [*reads, *writes, *reads, *leaving]:

        def fill(m: re.Match[str], p: str = path) -> str:
            name = m.group(1)
            if name == "attachment_id":
                return str(attachment_ids[p][0]["id"])
            return str(post_ids.get(p, ids[name]) if name == "post_id" else ids[name])

        url = re.sub(r"\{(\w+)\}", fill, path)
        sent: dict[str, Any] = (
            multipart("Mine", ("mine.pdf", PDF, "application/pdf"))
            if path.endswith("/upload")
            else {"json": bodies.get((method, path))}
        )
        resp = await doc.request(method, url, **sent, headers=other.headers)
        assert resp.status_code < 500, (method, path, resp.text)
        text = resp.text + str(resp.headers)
        for secret in secrets:
            assert secret not in text, (method, path, secret, text)
        walked.append((method, path, resp.status_code))
        json_answer = "json" in resp.headers.get("content-type", "")
        answers[(method, path)] = resp.json() if resp.content and json_answer else None
    assert {(m, p) for m, p, _ in walked} == set(operations)
    # The walk did real work as a member: it read the anonymous post, and joined.
    statuses = {(m, p): s for m, p, s in walked}
    assert statuses[("post", f"{GROUPS}/{{group_id}}/join")] == 200
    assert statuses[("get", f"{GROUPS}/{{group_id}}/posts")] == 200
    assert statuses[("get", f"{GROUPS}/{{group_id}}/members")] == 200
    # As a member it downloaded the anonymous member's file, and posted one of its own.
    assert statuses[("get", f"{GROUPS}/{{group_id}}/attachments/{{attachment_id}}")] == 200
    assert statuses[("post", f"{GROUPS}/{{group_id}}/posts/upload")] == 201
    # The second pass read the group's posts as a member, the anonymous one among them.
    listed = answers[("get", f"{GROUPS}/{{group_id}}/posts")]
    shown = [p for p in listed["items"] if p["id"] == anon_post["id"]]
    assert shown and shown[0]["author"]["label"] == member.json()["label"]
    assert shown[0]["author"]["user_id"] is None

    # The realtime channel: the other student, a member again, hears the anonymous member's
    # next post on the group's stream as `Student <n>`, and nothing that names it.
    assert (await join(apps, other, setup.group_id)).status_code == 200
    heard = await AppStream(
        apps.app("community"), STREAM_PATH, other.headers, topics=f"group:{setup.group_id},user"
    ).open()
    assert heard.status == 200
    await post(apps, anonymous.student, setup.group_id, "Still stuck")
    (event,) = await heard.take(1, wait=10)
    assert event.name == "post_created" and event.data["author_label"] == member.json()["label"]
    await heard.close()
    for secret in secrets:
        assert secret.encode() not in heard.body, secret
    await apps.app("community").state.realtime.close()  # its outbox tail (no app shutdown here)
