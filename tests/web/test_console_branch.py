"""A desk clerk of branch A sees branch A only, in a real browser against the real system.

The owner, both branches and the clerk are made through the API (the fixtures of
tests/library/test_staff_api.py); web/e2e/branch.mjs then logs the clerk in and
looks for branch B on every page. Screenshots in var/artefacts/web/branch-*.png.
"""

from __future__ import annotations

import json

from tests.conftest import Apps
from tests.fixtures.library import (
    create_library,
    create_seats,
    create_shift,
    hire_staff,
    owner_with_limits,
)
from tests.fixtures.system import System
from tests.fixtures.users import DEFAULT_PASSWORD
from tests.web.test_console_flow import ARTEFACTS, _browser, console_system

__all__ = ["console_system"]

BRANCH_A = "Gyan Kendra Kothrud"
BRANCH_B = "Vidya Sadan Baner"


async def test_desk_clerk_of_branch_a_never_sees_branch_b_in_the_console(
    console_system: System, apps: Apps
) -> None:
    """Cross-branch leak through the console: branch B is in no picker or list on the
    seat map, students, dues and payments pages, and branch B's own URL shows the
    API's refusal (problem detail and request id), with no seat drawn."""
    owner = await owner_with_limits(apps)
    a = (await create_library(apps, owner, name=BRANCH_A))["id"]
    b = (await create_library(apps, owner, name=BRANCH_B))["id"]
    for library in (a, b):
        await create_seats(apps, owner, library, count=4)
        await create_shift(apps, owner, library, "Morning", "06:00", "12:00")
    person, _ = await hire_staff(apps, owner, [a])
    assert owner.tenant_slug is not None

    out = await _browser(
        console_system,
        "branch",
        person["email"],
        DEFAULT_PASSWORD,
        script="e2e/branch.mjs",
        extra_env={
            "TENANT_SLUG": owner.tenant_slug,
            "BRANCH_A": BRANCH_A,
            "BRANCH_B": BRANCH_B,
            "BRANCH_B_ID": b,
        },
    )
    assert "branch: passed" in out
    results = json.loads((ARTEFACTS / "branch-results.json").read_text())
    # The refusals shown are the API's own, not a blank page.
    assert results["seat_map_b"] and results["students_b"]
