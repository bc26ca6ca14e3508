"""The auth tables the migrations make are the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from studyspot.kit.models import CoreBase
from studyspot.kit.settings import to_sync_url
from studyspot.services.auth import models
from tests.fixtures.databases import DbSet

AUTH_TABLES = {
    model.__tablename__
    for model in (
        models.LibraryOwner,
        models.PlatformAdmin,
        models.PlatformStaff,
        models.UserCredential,
        models.RefreshToken,
        models.OneTimeToken,
        models.LoginFailure,
        models.LoginLock,
    )
}


def test_migrated_auth_tables_match_the_models(dbs: DbSet) -> None:
    engine = create_engine(to_sync_url(dbs.core_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, CoreBase.metadata)
    finally:
        engine.dispose()
    ours = [d for d in differences if any(table in str(d) for table in AUTH_TABLES)]
    assert ours == []
