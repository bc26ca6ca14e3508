"""Run the Alembic migrations of the core or a tenant database, on SQLite or PostgreSQL.

Each service keeps its migrations in its own branch
(`migrations/<kind>/versions/<service>/`), so services evolve their tables
independently; `upgrade heads` applies every branch.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from studyspot.kit.migration_helpers import RLS_ROLE
from studyspot.kit.settings import Settings, get_settings, to_sync_url

Kind = Literal["core", "tenant"]
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(kind: Kind, url: str) -> Config:
    root = MIGRATIONS / kind
    cfg = Config()
    cfg.set_main_option("script_location", str(root))
    locations = sorted(
        str(p) for p in (root / "versions").iterdir() if p.is_dir() and not p.name.startswith("__")
    )
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", to_sync_url(url).replace("%", "%%"))
    return cfg


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database (or the SQLite file's folder) if missing."""
    sync = make_url(to_sync_url(url))
    if sync.drivername.startswith("sqlite"):
        if sync.database and sync.database != ":memory:":
            Path(sync.database).parent.mkdir(parents=True, exist_ok=True)
        return
    name = sync.database
    admin = create_engine(sync.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %(n)s", {"n": name}
            ).first()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()


def upgrade(
    kind: Kind, url: str, revision: str = "heads", *, settings: Settings | None = None
) -> None:
    ensure_database(url)
    command.upgrade(alembic_config(kind, url), revision)
    if kind == "tenant":
        settings = settings or get_settings()
        ensure_app_role(url, settings.database_app_user, settings.database_app_password)


def ensure_app_role(url: str, user: str, password: str = "") -> None:
    """PostgreSQL: the login role of tenant units of work, created or checked (idempotent).

    It must own nothing, hold no attribute that skips row-level security, and
    not inherit: its only power is `SET ROLE studyspot_rls`, so a tenant
    session that runs `RESET ROLE` is left with no privilege on any table
    instead of the owner's. Roles are cluster-wide; every tenant database of
    the cluster shares it. Run as the owner of DATABASE_URL (needs CREATEROLE).
    """
    sync = make_url(to_sync_url(url))
    if sync.drivername.startswith("sqlite"):
        return
    if user == sync.username:
        raise ValueError("DATABASE_APP_USER must differ from the owner of DATABASE_URL")
    engine = create_engine(sync, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            # Concurrent provisioning (parallel test sessions, several deploy jobs) may race
            # on CREATE ROLE or GRANT; each step is idempotent, so try again.
            for attempt in range(5):
                try:
                    _provision(conn, user, password)
                    break
                except DBAPIError:
                    if attempt == 4:
                        raise
                    time.sleep(0.2 * (attempt + 1))
            _check_powerless(conn, user)
    finally:
        engine.dispose()


def _provision(conn: Connection, user: str, password: str) -> None:
    exists = conn.exec_driver_sql(
        "SELECT 1 FROM pg_roles WHERE rolname = %(u)s", {"u": user}
    ).first()
    if not exists:
        conn.exec_driver_sql(
            f'CREATE ROLE "{user}" LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE '
            "NOBYPASSRLS NOREPLICATION"
        )
    if password:
        conn.exec_driver_sql(f'ALTER ROLE "{user}" PASSWORD %(p)s', {"p": password})
    member = conn.exec_driver_sql(
        "SELECT pg_has_role(%(u)s, %(r)s, 'MEMBER')", {"u": user, "r": RLS_ROLE}
    ).scalar()
    if not member:
        conn.exec_driver_sql(f'GRANT {RLS_ROLE} TO "{user}"')


def _check_powerless(conn: Connection, user: str) -> None:
    """Refuse a role that could lift the policies (e.g. DATABASE_APP_USER=postgres)."""
    row = conn.exec_driver_sql(
        "SELECT rolsuper, rolbypassrls, rolinherit, rolcreaterole FROM pg_roles "
        "WHERE rolname = %(u)s",
        {"u": user},
    ).one()
    owned = conn.exec_driver_sql(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "WHERE r.rolname = %(u)s",
        {"u": user},
    ).scalar()
    if any(row) or owned:
        raise ValueError(
            f"the application role {user} is a superuser, bypasses row-level security, "
            "inherits privileges, creates roles or owns tables; choose a fresh DATABASE_APP_USER"
        )


def downgrade(kind: Kind, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(kind, url), revision)
