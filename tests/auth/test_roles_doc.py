"""docs/roles.md shows the role table of kit/permissions.py, exactly."""

from __future__ import annotations

import re
from pathlib import Path

from studyspot.kit.permissions import ROLE_PERMISSIONS, Role, permissions_for

ROLES_DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"


def documented_permissions() -> dict[str, set[str]]:
    """Role → the backticked permissions listed under its `### role` heading."""
    found: dict[str, set[str]] = {}
    current: str | None = None
    for line in ROLES_DOC.read_text().splitlines():
        heading = re.fullmatch(r"###\s+(\S+)\s*", line)
        if heading:
            current = heading.group(1)
            found[current] = set()
        elif current is not None and (item := re.fullmatch(r"-\s+`([^`]+)`\s*", line)):
            found[current].add(item.group(1))
    return found


def test_roles_doc_lists_every_role_and_no_other() -> None:
    assert set(documented_permissions()) == {r.value for r in Role}


def test_roles_doc_shows_exactly_the_permissions_of_each_role() -> None:
    documented = documented_permissions()
    for role in Role:
        assert documented[role.value] == set(ROLE_PERMISSIONS[role]), (
            f"docs/roles.md and kit/permissions.py disagree on {role.value}"
        )


def test_a_staff_member_with_both_branch_roles_gets_the_union() -> None:
    granted = set(permissions_for(["staff", "manager"]))
    assert granted == ROLE_PERMISSIONS[Role.staff] | ROLE_PERMISSIONS[Role.manager]
    assert permissions_for(["no-such-role"]) == []
