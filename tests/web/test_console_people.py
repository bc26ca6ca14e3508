"""The students, staff and settings pages in a real browser against the real system.

Runs web/e2e/people.mjs with the harness of test_console_flow.py (same system,
same Chromium, screenshots in var/artefacts/web/people-*.png).
"""

from __future__ import annotations

import uuid

from tests.fixtures.system import System
from tests.web.test_console_flow import ARTEFACTS, _browser, console_system

__all__ = ["console_system"]


async def test_owner_imports_students_finds_one_opens_profile_and_invites_staff(
    console_system: System,
) -> None:
    """Import a CSV (the dry run names the exact bad lines 5 and 6 with the API's
    messages; nothing is imported until the bad rows are knowingly skipped) → the
    debounced server search finds one student by name and by phone digits → the
    profile shows enrollment, bookings and payments → the streamed export holds the
    imported students → erasure arms only on the typed name → a staff invite appears
    in the list with role and branch → deactivation → a GSTIN with a wrong check
    character is refused, the right one saved. axe-core on each page."""
    email = f"owner-{uuid.uuid4().hex[:8]}@example.in"
    out = await _browser(
        console_system, "people", email, "correct horse battery", script="e2e/people.mjs"
    )
    assert "people: passed" in out
    assert (ARTEFACTS / "people-results.json").is_file()
    assert (ARTEFACTS / "people-export.csv").is_file()
