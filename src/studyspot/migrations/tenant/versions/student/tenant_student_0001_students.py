"""student service: students and the per-tenant enrollment counter

Revision ID: tenant_student_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_student_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("tenant_student",)
depends_on: str | Sequence[str] | None = ("tenant_kit_0001",)

_INDEXES = {
    "ix_students_tenant_id_created_at": ["tenant_id", "created_at"],
    "ix_students_tenant_id_name": ["tenant_id", "name"],
    "ix_students_tenant_id_status": ["tenant_id", "status"],
    "ix_students_tenant_id_home_library_id": ["tenant_id", "home_library_id"],
    "ix_students_tenant_id_admission_date": ["tenant_id", "admission_date"],
}


def upgrade() -> None:
    op.create_table(
        "students",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_seq", sa.Integer(), nullable=False),
        sa.Column("enrollment_number", sa.String(16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("phone", sa.String(13), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(24), nullable=True),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("id_proof_type", sa.String(24), nullable=True),
        sa.Column("id_proof_number", sa.String(32), nullable=True),
        sa.Column("photo_url", sa.String(500), nullable=True),
        sa.Column("guardian_name", sa.String(120), nullable=True),
        sa.Column("guardian_phone", sa.String(13), nullable=True),
        sa.Column("home_library_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("admission_date", sa.Date(), nullable=False),
        sa.Column("notes", sa.String(2000), nullable=True),
        sa.Column("consent_whatsapp", sa.Boolean(), nullable=False),
        sa.Column("consent_sms", sa.Boolean(), nullable=False),
        sa.Column("consent_email", sa.Boolean(), nullable=False),
        sa.Column("consent_data_processing", sa.Boolean(), nullable=False),
        sa.Column("consent_recorded_at", UTCDateTime(), nullable=True),
        sa.Column("consent_recorded_by", sa.Uuid(), nullable=True),
        sa.Column("consent_recorded_by_type", sa.String(32), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("login_created_at", UTCDateTime(), nullable=True),
        sa.Column("invited_at", UTCDateTime(), nullable=True),
        sa.Column("erased_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'inactive', 'suspended', 'alumni')", name="status"
        ),
    )
    op.create_index("uq_students_tenant_id_phone", "students", ["tenant_id", "phone"], unique=True)
    op.create_index(
        "uq_students_tenant_id_enrollment_seq",
        "students",
        ["tenant_id", "enrollment_seq"],
        unique=True,
    )
    for name, columns in _INDEXES.items():
        op.create_index(name, "students", columns)
    enable_tenant_rls("students")

    op.create_table(
        "student_counters",
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("last_value", sa.Integer(), nullable=False),
    )
    enable_tenant_rls("student_counters")

    op.create_table(
        "student_search_terms",
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("term", sa.String(130), primary_key=True),
        sa.Column("student_id", sa.Uuid(), primary_key=True),
    )
    op.create_index(
        "ix_student_search_terms_tenant_id_student_id",
        "student_search_terms",
        ["tenant_id", "student_id"],
    )
    enable_tenant_rls("student_search_terms")

    op.create_table(
        "student_counts",
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("home_library_id", sa.Uuid(), primary_key=True),
        sa.Column("status", sa.String(16), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    enable_tenant_rls("student_counts")


def downgrade() -> None:
    disable_tenant_rls("student_counts")
    op.drop_table("student_counts")
    disable_tenant_rls("student_search_terms")
    op.drop_index("ix_student_search_terms_tenant_id_student_id", "student_search_terms")
    op.drop_table("student_search_terms")
    disable_tenant_rls("student_counters")
    op.drop_table("student_counters")
    disable_tenant_rls("students")
    for name in reversed(list(_INDEXES)):
        op.drop_index(name, "students")
    op.drop_index("uq_students_tenant_id_enrollment_seq", "students")
    op.drop_index("uq_students_tenant_id_phone", "students")
    op.drop_table("students")
