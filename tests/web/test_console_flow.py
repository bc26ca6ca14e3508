"""The owner console in a real browser against the real system (embedded SQLite default).

Runs web/e2e/console.mjs (playwright-core with Debian's Chromium) against the
gateway of `tests/fixtures/system.py`: every service, the event worker and the
gateway as real processes. Screenshots of each step land in var/artefacts/web/.
Needs a built console (`scripts/web build`) and /usr/bin/chromium, both of which
`scripts/test` provides; without them these tests fail, they do not skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fixtures.databases import DbSet
from tests.fixtures.system import ROOT, System

WEB = ROOT / "web"
ARTEFACTS = ROOT / "var" / "artefacts" / "web"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


def _require_tools() -> None:
    assert (WEB / "dist" / "index.html").is_file(), "console not built: run scripts/web build"
    assert (WEB / "node_modules" / "playwright-core").is_dir(), "run scripts/web install"
    assert CHROMIUM.exists(), "no /usr/bin/chromium: run scripts/web chromium"


@contextlib.asynccontextmanager
async def started_console_system(
    dbs: DbSet, tmp_path: Path, env: dict[str, str] | None = None
) -> AsyncIterator[System]:
    """The whole system serving a snapshot of the console build, `env` added to every
    process; on the embedded default (SQLite) only."""
    if dbs.backend != "sqlite":
        pytest.skip("the browser flow runs on the embedded default (SQLite) only")
    _require_tools()
    # A snapshot of the build: a rebuild during the test must not swap the chunks under the page.
    dist = tmp_path / "dist"
    shutil.copytree(WEB / "dist", dist)
    system = System(dbs, env={"GATEWAY_CONSOLE_DIR": str(dist), **(env or {})})
    await system.start_all()
    try:
        yield system
    finally:
        await system.close()


@pytest.fixture
async def console_system(dbs: DbSet, tmp_path: Path) -> AsyncIterator[System]:
    async with started_console_system(dbs, tmp_path) as system:
        yield system


def _clear(out: Path, scenario: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{scenario}-*"):
        old.unlink()


async def _browser(
    system: System,
    scenario: str,
    email: str,
    password: str,
    script: str = "e2e/console.mjs",
    extra_env: dict[str, str] | None = None,
) -> str:
    out = ARTEFACTS
    _clear(out, scenario)
    node = shutil.which("node") or "/usr/bin/node"
    proc = await asyncio.create_subprocess_exec(
        node,
        script,
        scenario,
        cwd=WEB,
        env={
            **os.environ,
            "BASE_URL": system.url,
            "ARTEFACTS": str(out),
            "EMAIL": email,
            "PASSWORD": password,
            "CHROMIUM": str(CHROMIUM),
            **(extra_env or {}),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        stdout, _ = await asyncio.wait_for(proc.communicate(), timeout=240)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    text = stdout.decode(errors="replace")
    # Warnings and errors of the processes a scenario leans on most (the event worker
    # confirms bookings and payments; LOG_LEVEL is WARNING in tests).
    logs = "".join(
        f"--- {name} log\n{system.logs_of(name)[-3000:]}\n"
        for name in ("gateway", "worker", "booking", "payment")
        if name in system.processes
    )
    assert proc.returncode == 0, (
        f"browser scenario {scenario} failed (screenshots in {out}):\n{text}\n{logs}"
    )
    return text


async def test_owner_signs_up_sets_up_admits_books_pays_and_sees_the_seat_booked(
    console_system: System,
) -> None:
    """Sign up → onboarding → admit → book on the map → pay at the desk → invoice PDF
    (number and amount checked in the PDF) → no dues → the seat shows booked; axe-core
    finds no serious or critical violation on the pages it visits; 768 px has no overflow."""
    email = f"owner-{uuid.uuid4().hex[:8]}@example.in"
    out = await _browser(console_system, "proof", email, "correct horse battery")
    assert "proof: passed" in out
    assert (ARTEFACTS / "proof-results.json").is_file()
    assert list(ARTEFACTS.glob("invoice-*.pdf"))

    # With the booking service stopped, the seat map shows the problem, not an empty map.
    await console_system.kill("booking")
    out = await _browser(console_system, "outage", email, "correct horse battery")
    assert "outage: passed" in out
