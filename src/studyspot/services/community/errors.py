"""Errors of the community service (problem codes are listed in docs/community.md)."""

from __future__ import annotations

from studyspot.kit.errors import AppError, Conflict, Forbidden, NotFound


class CommunityNotFound(NotFound):
    code = "community_not_found"

    def __init__(self) -> None:
        super().__init__("No such community")


class GroupNotFound(NotFound):
    code = "group_not_found"

    def __init__(self) -> None:
        super().__init__("No such group")


class LibraryNotFound(NotFound):
    code = "library_not_found"

    def __init__(self) -> None:
        super().__init__("No such library")


class PostNotFound(NotFound):
    code = "post_not_found"

    def __init__(self) -> None:
        super().__init__("No such post")


class MemberNotFound(NotFound):
    code = "member_not_found"

    def __init__(self) -> None:
        super().__init__("No such member")


class ThreadNotFound(NotFound):
    code = "thread_not_found"

    def __init__(self) -> None:
        super().__init__("No such conversation")


class InviteNotFound(NotFound):
    code = "invite_not_found"

    def __init__(self) -> None:
        super().__init__("No such invite link")


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"

    def __init__(self) -> None:
        super().__init__("No such attachment")


class SlugTaken(Conflict):
    code = "community_slug_taken"

    def __init__(self) -> None:
        super().__init__("A community with this slug already exists")


class NotAMember(Forbidden):
    code = "not_a_member"

    def __init__(self) -> None:
        super().__init__("Join first to read and post here")


class NoCurrentBooking(Forbidden):
    code = "no_current_booking"

    def __init__(self) -> None:
        super().__init__(
            "A library group is open to students holding a place at that library "
            "(a confirmed or active booking from today to the coming week)"
        )


class MemberBlocked(Forbidden):
    code = "member_blocked"

    def __init__(self) -> None:
        super().__init__("You were blocked in this group by its moderators")


class MemberMuted(Forbidden):
    code = "member_muted"

    def __init__(self, until: str) -> None:
        super().__init__(f"You were muted in this group until {until}")


class AnonymityNotAllowed(Forbidden):
    code = "anonymity_not_allowed"

    def __init__(self) -> None:
        super().__init__("This group does not allow anonymous members")


class CommunityClosed(Forbidden):
    code = "community_closed"

    def __init__(self) -> None:
        super().__init__("This community is closed to new members and posts")


class NotYourPost(Forbidden):
    code = "not_your_post"

    def __init__(self) -> None:
        super().__init__("Only its author or a moderator removes a post")


class InviteExpired(AppError):
    status, code = 410, "invite_expired"

    def __init__(self) -> None:
        super().__init__("This invite link has expired")


class InviteUsedUp(AppError):
    status, code = 410, "invite_used_up"

    def __init__(self) -> None:
        super().__init__("This invite link was used as many times as it allows")


class StudentsOnly(Forbidden):
    code = "students_only"

    def __init__(self) -> None:
        super().__init__("Only a student does this")


class LibrarySideOnly(Forbidden):
    code = "library_side_only"

    def __init__(self) -> None:
        super().__init__("Only the library's owner and staff do this")


class PlatformAdminOnly(Forbidden):
    code = "permission_denied"

    def __init__(self) -> None:
        super().__init__("Only platform admins edit the list of communities")
