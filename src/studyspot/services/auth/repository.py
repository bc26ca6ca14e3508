"""Queries of the auth service: accounts in four tables, sessions, one-time tokens, failures."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.permissions import USER_TABLES, UserType
from studyspot.kit.repository import Repository
from studyspot.services.auth.models import (
    LibraryOwner,
    LoginFailure,
    LoginLock,
    OneTimeToken,
    PlatformAdmin,
    PlatformStaff,
    RefreshToken,
    UserCredential,
)

AccountRow = LibraryOwner | PlatformAdmin | PlatformStaff | UserCredential
PlatformRow = PlatformAdmin | PlatformStaff

_CREDENTIAL_TABLES = (USER_TABLES[UserType.student], USER_TABLES[UserType.library_staff])


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


class AccountRepository:
    """Every identity table behind one interface, addressed the way tokens name users."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def owner_by_email(self, email: str) -> LibraryOwner | None:
        return await self.session.scalar(select(LibraryOwner).where(LibraryOwner.email == email))

    async def owner_email_taken(self, email: str) -> bool:
        return bool(await self.session.scalar(select(exists().where(LibraryOwner.email == email))))

    async def platform_by_email(self, email: str) -> PlatformRow | None:
        admin = await self.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email))
        if admin is not None:
            return admin
        return await self.session.scalar(select(PlatformStaff).where(PlatformStaff.email == email))

    async def credential_by_login(
        self, tenant_id: uuid.UUID, user_table: str, *, email: str | None, phone: str | None
    ) -> UserCredential | None:
        query = select(UserCredential).where(
            UserCredential.tenant_id == tenant_id, UserCredential.user_table == user_table
        )
        if email is not None:
            query = query.where(UserCredential.email == email)
        else:
            query = query.where(UserCredential.phone == phone)
        return await self.session.scalar(query)

    async def credential(
        self,
        tenant_id: uuid.UUID,
        user_table: str,
        user_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> UserCredential | None:
        query = select(UserCredential).where(
            UserCredential.tenant_id == tenant_id,
            UserCredential.user_table == user_table,
            UserCredential.user_id == user_id,
        )
        if for_update:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def login_taken(
        self,
        tenant_id: uuid.UUID,
        user_table: str,
        field: str,
        value: str,
        *,
        other_than: uuid.UUID | None = None,
    ) -> bool:
        column = UserCredential.email if field == "email" else UserCredential.phone
        cond = (
            (UserCredential.tenant_id == tenant_id)
            & (UserCredential.user_table == user_table)
            & (column == value)
        )
        if other_than is not None:
            cond &= UserCredential.user_id != other_than
        return bool(await self.session.scalar(select(exists().where(cond))))

    async def by_token_subject(
        self, user_table: str, user_id: uuid.UUID, tenant_id: uuid.UUID | None
    ) -> AccountRow | None:
        """The account a token or a stored token names (user table, id and tenant)."""
        if user_table in _CREDENTIAL_TABLES:
            if tenant_id is None:
                return None
            return await self.credential(tenant_id, user_table, user_id)
        if user_table == USER_TABLES[UserType.library_owner]:
            owner = await self.session.get(LibraryOwner, user_id)
            return owner if owner is not None and owner.tenant_id == tenant_id else None
        if user_table == USER_TABLES[UserType.platform_admin]:
            return await self.session.get(PlatformAdmin, user_id)
        if user_table == USER_TABLES[UserType.platform_staff]:
            return await self.session.get(PlatformStaff, user_id)
        return None

    async def add(self, row: AccountRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def lock(self, row: AccountRow) -> None:
        """Hold the account's row lock until the transaction ends (PostgreSQL; SQLite's
        transactions already run one writer at a time)."""
        model = type(row)
        await self.session.execute(select(model.id).where(model.id == row.id).with_for_update())

    async def delete_credential(self, row: UserCredential) -> None:
        await self.session.delete(row)
        await self.session.flush()


class RefreshTokenRepository(Repository[RefreshToken]):
    model = RefreshToken

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        # Locked, so that two exchanges of one token queue up and the second sees it used.
        query = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        return await self.session.scalar(query.with_for_update())

    async def mark_used(self, token_id: uuid.UUID, replaced_by: uuid.UUID, now: datetime) -> bool:
        """Exchange the token once; False when another request already did."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == token_id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(used_at=now, replaced_by_id=replaced_by)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def revoke_family(self, family_id: uuid.UUID, now: datetime) -> int:
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result)

    async def revoke_user(self, user_table: str, user_id: uuid.UUID, now: datetime) -> int:
        result = await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.user_table == user_table,
                RefreshToken.user_id == user_id,
                RefreshToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result)

    async def delete_user(self, user_table: str, user_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(RefreshToken).where(
                RefreshToken.user_table == user_table, RefreshToken.user_id == user_id
            )
        )


class OneTimeTokenRepository(Repository[OneTimeToken]):
    model = OneTimeToken

    async def by_hash(self, token_hash: str) -> OneTimeToken | None:
        return await self.session.scalar(
            select(OneTimeToken).where(OneTimeToken.token_hash == token_hash)
        )

    async def consume(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Use the token once, while it is still valid; False when it is not (any more)."""
        result = await self.session.execute(
            update(OneTimeToken)
            .where(
                OneTimeToken.id == token_id,
                OneTimeToken.used_at.is_(None),
                OneTimeToken.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def retire_unused(self, user_table: str, user_id: uuid.UUID, now: datetime) -> None:
        """Older links stop working once a newer one is sent or the password was set."""
        await self.session.execute(
            update(OneTimeToken)
            .where(
                OneTimeToken.user_table == user_table,
                OneTimeToken.user_id == user_id,
                OneTimeToken.used_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )

    async def last_sent(self, user_table: str, user_id: uuid.UUID, purpose: str) -> datetime | None:
        """When the newest link of `purpose` was made for the user (None: never)."""
        return await self.session.scalar(
            select(func.max(OneTimeToken.created_at)).where(
                OneTimeToken.user_table == user_table,
                OneTimeToken.user_id == user_id,
                OneTimeToken.purpose == purpose,
            )
        )

    async def delete_user(self, user_table: str, user_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(OneTimeToken).where(
                OneTimeToken.user_table == user_table, OneTimeToken.user_id == user_id
            )
        )


class LoginFailureRepository(Repository[LoginFailure]):
    model = LoginFailure

    async def window(self, scope: str, key: str, since: datetime) -> tuple[int, datetime | None]:
        """How many failures since `since`, and when the oldest of them happened."""
        row = (
            await self.session.execute(
                select(func.count(), func.min(LoginFailure.created_at)).where(
                    LoginFailure.scope == scope,
                    LoginFailure.key == key,
                    LoginFailure.created_at > since,
                )
            )
        ).one()
        count, oldest = row
        return int(count), oldest

    async def record(self, scope: str, key: str, now: datetime) -> None:
        self.session.add(LoginFailure(scope=scope, key=key, created_at=now))
        await self.session.flush()


class LoginLockRepository(Repository[LoginLock]):
    model = LoginLock

    async def locked(self, key: str, now: datetime) -> LoginLock:
        """The lock row of `key`, made if missing, held until the transaction ends.

        On PostgreSQL the row lock queues every other attempt on this key behind
        this one; SQLite's transactions already run one writer at a time.
        """
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        while True:
            await self.session.execute(
                insert(LoginLock)
                .values(key=key, failures=0, locked_until=None, expires_at=now)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = await self.session.scalar(
                select(LoginLock)
                .where(LoginLock.key == key)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            # None only when a successful login deleted the row between the two statements;
            # the next insert then makes it again.
            if row is not None:
                return row

    async def clear(self, key: str) -> None:
        await self.session.execute(delete(LoginLock).where(LoginLock.key == key))
