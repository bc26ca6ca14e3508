"""The lean anchor: the least a service can do for the same answers, to measure ours against.

    DATABASE_URL=... CORE_DATABASE_URL=... .venv/bin/uvicorn --factory bench.lean_anchor:create_app

A FastAPI app on asyncpg pools (no ORM, no kit) that answers the request-path benchmark's
requests (bench/request_path.py) with the same SQL, under the same row-level security,
as the real services:

- every request verifies the EdDSA access token (memoised per token, like the kit), then
  runs the identity check's one query on the core database (autocommit), refusing an
  inactive user, a suspended tenant or a token issued before `sessions_valid_after`;
- `GET /api/v1/students`: one transaction in the tenant database as the application role
  with `app.tenant_id` and the RLS role set, one page of live students, newest first, and
  the kept count (student_counts);
- `GET /api/users/me`: the owner's row from the core database;
- `POST /api/v1/bookings`: the booking service's two lookups over pooled HTTP (the library
  catalog and the student, each answered by this app's `/internal/*` routes with one
  query), then one transaction: a per-seat advisory lock, the conflict query, and three
  inserts (booking, outbox event, audit row).

Answers are encoded with orjson. Not a product service and not run by CI.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import jwt
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from studyspot.kit.db import app_url
from studyspot.kit.migration_helpers import TENANT_CONDITION
from studyspot.kit.settings import Settings

_IDENTITY = (
    "SELECT u.is_active, t.status, t.database_key, u.sessions_valid_after, s.status "
    "FROM library_owners u JOIN tenants t ON t.id = u.tenant_id "
    "LEFT JOIN subscriptions s ON s.tenant_id = t.id WHERE u.id = $1 AND u.tenant_id = $2"
)
_SCOPE = "SELECT set_config('app.tenant_id', $1, true), set_config('role', 'studyspot_rls', true)"
_PAGE = (
    "SELECT * FROM students WHERE tenant_id = $1 AND erased_at IS NULL "
    "ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
)
_COUNT = "SELECT coalesce(sum(n), 0) FROM student_counts WHERE tenant_id = $1"
_ME = (
    "SELECT id, tenant_id, email, name, phone, is_active, created_at "
    "FROM library_owners WHERE id = $1"
)


def _pg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


class Denied(Exception):
    pass


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(data, default=str), status_code=status, media_type="application/json"
    )


def create_app() -> FastAPI:
    settings = Settings()
    keys = settings.access_verification_keys()
    tenant_app_url = _pg(app_url(settings, settings.tenant_db_url) or "")
    pools: dict[str, asyncpg.Pool] = {}
    verified: dict[str, tuple[dict[str, Any], float]] = {}
    http: dict[str, aiohttp.ClientSession] = {}
    self_url = os.environ.get("ANCHOR_SELF_URL", "")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pools["core"] = await asyncpg.create_pool(
            _pg(settings.core_db_url), min_size=2, max_size=20
        )
        pools["tenant"] = await asyncpg.create_pool(tenant_app_url, min_size=2, max_size=20)
        pools["owner"] = await asyncpg.create_pool(
            _pg(settings.tenant_db_url), min_size=2, max_size=10
        )
        http["s"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
        yield
        await http["s"].close()
        for pool in pools.values():
            await pool.close()

    app = FastAPI(lifespan=lifespan)

    async def principal(request: Request) -> dict[str, Any]:
        header = request.headers.get("authorization", "")
        token = header[7:] if header[:7].lower() == "bearer " else ""
        hit = verified.get(token)
        if hit is None or hit[1] <= time.time():
            try:
                kid = jwt.get_unverified_header(token).get("kid", settings.jwt_kid)
                claims = jwt.decode(
                    token,
                    keys[str(kid)],
                    algorithms=["EdDSA"],
                    audience=settings.jwt_audience,
                    issuer=settings.jwt_issuer,
                )
            except (jwt.PyJWTError, KeyError) as exc:
                raise Denied() from exc
            hit = (claims, float(claims["exp"]))
            verified[token] = hit
        claims = hit[0]
        uid, tid = uuid.UUID(claims["sub"]), uuid.UUID(claims["tenantId"])
        async with pools["core"].acquire() as conn:
            row = await conn.fetchrow(_IDENTITY, uid, tid)
        if row is None or not row[0] or row[1] not in ("trial", "active"):
            raise Denied()
        if row[3] is not None and float(claims["iat"]) * 1000 < row[3].timestamp() * 1000 - 1:
            raise Denied()
        return {"user_id": uid, "tenant_id": tid, "claims": claims}

    @app.exception_handler(Denied)
    async def _denied(_: Request, __: Denied) -> Response:
        return _json({"status": 401, "code": "invalid_token"}, 401)

    @app.get("/api/v1/students")
    async def students(request: Request, page: int = 1, page_size: int = 20) -> Response:
        who = await principal(request)
        tid = who["tenant_id"]
        async with pools["tenant"].acquire() as conn, conn.transaction(readonly=True):
            await conn.execute(_SCOPE, str(tid))
            rows = await conn.fetch(_PAGE, tid, page_size, (page - 1) * page_size)
            total = await conn.fetchval(_COUNT, tid)
        return _json(
            {
                "items": [dict(r) for r in rows],
                "total": int(total),
                "page": page,
                "page_size": page_size,
            }
        )

    @app.get("/api/users/me")
    async def me(request: Request) -> Response:
        who = await principal(request)
        async with pools["core"].acquire() as conn, conn.transaction(readonly=True):
            row = await conn.fetchrow(_ME, who["user_id"])
        return _json(dict(row) if row else {})

    # --- booking create: two lookups over HTTP, then lock + conflict query + 3 inserts ------

    async def one_row(sql: str, key: uuid.UUID) -> Response:
        async with pools["owner"].acquire() as conn:
            row = await conn.fetchrow(sql, key)
        return _json(dict(row) if row else {}, 200 if row else 404)

    @app.get("/internal/seat/{seat_id}")
    async def seat(seat_id: uuid.UUID) -> Response:
        return await one_row("SELECT id, library_id, tenant_id FROM seats WHERE id = $1", seat_id)

    @app.get("/internal/student/{student_id}")
    async def student(student_id: uuid.UUID) -> Response:
        return await one_row(
            "SELECT id, status, home_library_id FROM students WHERE id = $1", student_id
        )

    @app.post("/api/v1/bookings")
    async def book(request: Request) -> Response:
        who = await principal(request)
        body = orjson.loads(await request.body())
        seat_id, student_id = body["seat_id"], body["student_id"]
        session = http["s"]
        async with session.get(f"{self_url}/internal/seat/{seat_id}") as resp:
            seat_row = await resp.json(loads=orjson.loads)
        async with session.get(f"{self_url}/internal/student/{student_id}") as resp:
            await resp.read()
        start = date.fromisoformat(body["start_date"])
        end = start + timedelta(days=29)
        booking_id = uuid.uuid4()
        now = datetime.now(UTC)
        tid = who["tenant_id"]
        async with pools["tenant"].acquire() as conn, conn.transaction():
            await conn.execute(_SCOPE, str(tid))
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", seat_id)
            clash = await conn.fetchval(
                "SELECT 1 FROM anchor_bookings WHERE tenant_id = $1 AND seat_id = $2 "
                "AND start_date <= $4 AND end_date >= $3 LIMIT 1",
                tid,
                uuid.UUID(seat_id),
                start,
                end,
            )
            if clash:
                return _json({"status": 409, "code": "seat_taken"}, 409)
            await conn.execute(
                "INSERT INTO anchor_bookings (id, tenant_id, seat_id, student_id, library_id, "
                "start_date, end_date, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                booking_id,
                tid,
                uuid.UUID(seat_id),
                uuid.UUID(student_id),
                uuid.UUID(str(seat_row["library_id"])),
                start,
                end,
                now,
            )
            payload = orjson.dumps({"booking_id": str(booking_id), "seat_id": seat_id}).decode()
            await conn.execute(
                "INSERT INTO anchor_events (id, tenant_id, type, payload, created_at) "
                "VALUES ($1, $2, 'booking.created', $3, $4)",
                uuid.uuid4(),
                tid,
                payload,
                now,
            )
            await conn.execute(
                "INSERT INTO anchor_audit (id, tenant_id, actor_id, action, entity_id, created_at) "
                "VALUES ($1, $2, $3, 'booking.created', $4, $5)",
                uuid.uuid4(),
                tid,
                who["user_id"],
                booking_id,
                now,
            )
        return _json({"id": booking_id, "seat_id": seat_id, "status": "held"}, 201)

    return app


# The anchor's own tables for booking create, under the same RLS policy shape as ours.
ANCHOR_TABLES = """
CREATE TABLE IF NOT EXISTS anchor_bookings (
    id uuid PRIMARY KEY, tenant_id uuid NOT NULL, seat_id uuid NOT NULL, student_id uuid NOT NULL,
    library_id uuid NOT NULL, start_date date NOT NULL, end_date date NOT NULL,
    created_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS anchor_bookings_seat ON anchor_bookings (tenant_id, seat_id, start_date);
CREATE TABLE IF NOT EXISTS anchor_events (
    id uuid PRIMARY KEY, tenant_id uuid NOT NULL, type text NOT NULL, payload jsonb NOT NULL,
    created_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS anchor_audit (
    id uuid PRIMARY KEY, tenant_id uuid NOT NULL, actor_id uuid NOT NULL, action text NOT NULL,
    entity_id uuid NOT NULL, created_at timestamptz NOT NULL);
"""


def anchor_policies() -> str:
    statements = [ANCHOR_TABLES]
    for table in ("anchor_bookings", "anchor_events", "anchor_audit"):
        statements.append(
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;"
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;"
            f"DROP POLICY IF EXISTS tenant_isolation ON {table};"
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING ({TENANT_CONDITION}) WITH CHECK ({TENANT_CONDITION});"
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO studyspot_rls;"
        )
    return "\n".join(statements)


ROOT = Path(__file__).resolve().parent.parent


def _end_with_parent() -> None:
    """In the child: SIGTERM when the bench dies, even killed before its clean-up (a left
    anchor kept the port, and the next run's anchor answered 500 from a dropped database)."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)


def start(env: dict[str, str], logs: Path, port: int) -> subprocess.Popen[bytes]:
    """The anchor as its own process (uvicorn) on `port`, logging to `logs`/anchor.log."""
    out = (logs / "anchor.log").open("wb")
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "uvicorn"),
            "--factory",
            "bench.lean_anchor:create_app",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env={**env, "PYTHONPATH": str(ROOT), "ANCHOR_SELF_URL": f"http://127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_end_with_parent,
    )


async def wait_up(url: str, token: str) -> None:
    """Until `url` answers 200 to the token (a minute at most)."""
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
                    if resp.status == 200:
                        return
                    raise SystemExit(f"{url} answered {resp.status}: {await resp.text()}")
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.3)
    raise SystemExit(f"{url} did not come up")
