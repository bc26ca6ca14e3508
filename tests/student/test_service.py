"""The register's rules against the real migrated databases, other services stood in for.

The HTTP tests (test_students_api.py) go through the real auth, tenant and
library services; these pin the rules that need many rows or exact races,
calling the service layer with a stand-in for the other services.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from studyspot.kit.auth import Principal
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.entitlements import Entitlements, PlanLimitReached
from studyspot.kit.errors import AppError
from studyspot.kit.pagination import PageParams
from studyspot.services.student import service
from studyspot.services.student.access import Viewer
from studyspot.services.student.errors import PhoneTaken
from studyspot.services.student.models import Student
from studyspot.services.student.repository import StudentFilter, StudentRepository
from studyspot.services.student.schemas import StudentCreate, StudentUpdate
from tests.fixtures.databases import DbSet
from tests.fixtures.students import student_body, unique_phone


@pytest.fixture
async def db(clean_dbs: DbSet) -> AsyncIterator[Database]:
    database = Database.create(clean_dbs.settings().tenant_db_url)
    yield database
    await database.dispose()


def owner_viewer(tenant_id: uuid.UUID) -> Viewer:
    principal = Principal(
        user_id=uuid.uuid4(),
        user_type="library_owner",
        user_table="library_owners",
        email="owner@example.com",
        tenant_id=tenant_id,
        roles=("library_owner",),
        permissions=("students:*",),
    )
    return Viewer(principal, tenant_id, None)


class Upstream:
    """Stands in for the library and tenant services, for the methods the rules call."""

    def __init__(self, *libraries: uuid.UUID, max_students: int = 1000) -> None:
        self.libraries = set(libraries)
        self.limit = max_students

    async def check_home_library(
        self, tenant_id: uuid.UUID, library_id: uuid.UUID, **_: Any
    ) -> None:
        if library_id not in self.libraries:
            raise AppError("Unknown library", status=422, code="validation_error")

    async def entitlements(self, tenant_id: uuid.UUID) -> Entitlements:
        limits = {"students": self.limit}
        return Entitlements(tenant_id, "test", "active", limits, frozenset(), 0, True)

    async def library_status(self, tenant_id: uuid.UUID, library_id: uuid.UUID) -> str | None:
        return "active" if library_id in self.libraries else None

    async def sync_login(self, student: Student) -> bool:
        return False

    async def delete_login(self, student: Student) -> None:
        return None


async def admit(
    db: Database, viewer: Viewer, upstream: Any, library: uuid.UUID | None = None, **overrides: Any
) -> Student:
    library = library or next(iter(upstream.libraries))
    body = StudentCreate.model_validate(student_body(library, **overrides))
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        return await service.create_student(session, viewer, body, upstream)


async def test_parallel_admissions_in_separate_transactions_get_distinct_numbers(
    db: Database,
) -> None:
    viewer = owner_viewer(uuid.uuid4())
    upstream = Upstream(uuid.uuid4())
    made = await asyncio.gather(*[admit(db, viewer, upstream) for _ in range(12)])
    assert sorted(s.enrollment_number for s in made) == [f"STU-{n:06d}" for n in range(1, 13)]
    # Another tenant counts from one again.
    other = await admit(db, owner_viewer(uuid.uuid4()), upstream)
    assert other.enrollment_number == "STU-000001"


async def test_parallel_admissions_with_one_phone_admit_exactly_one(db: Database) -> None:
    viewer = owner_viewer(uuid.uuid4())
    upstream = Upstream(uuid.uuid4())
    phone = unique_phone()
    results = await asyncio.gather(
        *[admit(db, viewer, upstream, phone=phone) for _ in range(5)], return_exceptions=True
    )
    admitted = [r for r in results if isinstance(r, Student)]
    refused = [r for r in results if isinstance(r, PhoneTaken)]
    assert (len(admitted), len(refused)) == (1, 4)


async def test_parallel_admissions_never_pass_the_plan_limit(db: Database) -> None:
    viewer = owner_viewer(uuid.uuid4())
    upstream = Upstream(uuid.uuid4(), max_students=3)
    results = await asyncio.gather(
        *[admit(db, viewer, upstream) for _ in range(6)], return_exceptions=True
    )
    assert sum(isinstance(r, Student) for r in results) == 3
    assert sum(isinstance(r, PlanLimitReached) for r in results) == 3


async def list_names(db: Database, viewer: Viewer, **flt: Any) -> list[str]:
    sort = flt.pop("sort", "name")
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        # No expiry filter here: the stand-in is never asked.
        stand_in: Any = Upstream()
        items, _ = await service.list_students(
            session, viewer, StudentFilter(**flt), PageParams(1, 50), sort, stand_in
        )
    return [s["name"] for s in items]


async def test_search_matches_name_words_phone_ends_and_numbers(
    db: Database,
) -> None:
    viewer = owner_viewer(uuid.uuid4())
    upstream = Upstream(uuid.uuid4())
    a = await admit(db, viewer, upstream, name="Anil 100% Rao", phone="9000012345")
    await admit(db, viewer, upstream, name="Anil_Kumar", phone="9000054321")
    await admit(db, viewer, upstream, name="Zoya Khan")
    assert await list_names(db, viewer, q="anil") == ["Anil 100% Rao", "Anil_Kumar"]
    assert await list_names(db, viewer, q="100%") == ["Anil 100% Rao"]
    assert await list_names(db, viewer, q="anil_k") == ["Anil_Kumar"]
    assert await list_names(db, viewer, q="+91 90000 12345") == ["Anil 100% Rao"]
    assert await list_names(db, viewer, q="54321") == ["Anil_Kumar"]
    assert await list_names(db, viewer, q=a.enrollment_number) == ["Anil 100% Rao"]
    assert await list_names(db, viewer, q="STU-1") == ["Anil 100% Rao"]
    staff = Viewer(viewer.principal, viewer.tenant_id, frozenset({uuid.uuid4()}))
    assert await list_names(db, staff) == []


async def test_a_phone_change_to_a_taken_number_is_refused_and_rolled_back(db: Database) -> None:
    viewer = owner_viewer(uuid.uuid4())
    upstream: Any = Upstream(uuid.uuid4())
    first = await admit(db, viewer, upstream)
    second = await admit(db, viewer, upstream)
    assert first.phone is not None
    body = StudentUpdate.model_validate({"phone": first.phone[3:]})
    with pytest.raises(PhoneTaken):
        async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
            await service.update_student(session, viewer, second.id, body, upstream)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        fresh = await service.get_visible(session, viewer, second.id)
    assert fresh.phone == second.phone


async def test_kept_counts_follow_admissions_changes_and_erasure(db: Database) -> None:
    viewer = owner_viewer(uuid.uuid4())
    branch_a, branch_b = uuid.uuid4(), uuid.uuid4()
    upstream: Any = Upstream(branch_a, branch_b)
    made = [await admit(db, viewer, upstream, branch_a) for _ in range(4)]
    changes = [
        (made[0].id, {"status": "suspended"}),
        (made[1].id, {"home_library_id": str(branch_b)}),
        (made[2].id, {"home_library_id": str(branch_b), "status": "alumni"}),
    ]
    for student_id, change in changes:
        async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
            body = StudentUpdate.model_validate(change)
            await service.update_student(session, viewer, student_id, body, upstream)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        await service.erase_student(session, viewer, made[3].id, upstream)

    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        repo = StudentRepository(session, viewer.tenant_id)
        assert await repo.counted(None) == 3
        assert await repo.counted(frozenset({branch_a})) == 1
        assert await repo.counted(frozenset({branch_b}), "alumni") == 1
        assert await repo.counts_by_status(None) == {"active": 1, "suspended": 1, "alumni": 1}
        # The kept counts agree with the rows themselves.
        assert len(await repo.all(repo.live())) == 3
    # The erased student's name and phone no longer find anything.
    assert len(await list_names(db, viewer, q="priya")) == 3
    assert await list_names(db, viewer, q=str(made[3].phone)) == []
