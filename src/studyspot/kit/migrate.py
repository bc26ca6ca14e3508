"""Run the Alembic migrations of the core or a tenant database, on SQLite or PostgreSQL.

Each service keeps its migrations in its own branch
(`migrations/<kind>/versions/<service>/`), so services evolve their tables
independently; `upgrade heads` applies every branch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from studyspot.kit.settings import to_sync_url

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


def upgrade(kind: Kind, url: str, revision: str = "heads") -> None:
    ensure_database(url)
    command.upgrade(alembic_config(kind, url), revision)


def downgrade(kind: Kind, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(kind, url), revision)
