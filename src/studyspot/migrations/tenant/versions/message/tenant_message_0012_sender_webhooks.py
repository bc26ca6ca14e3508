"""message service: a webhook address of its own for a business's WhatsApp and MSG91 account

An opaque random id (the URL's) and the token made for it (WhatsApp's verify token,
MSG91's URL token), sealed like the account's secrets. Accounts saved before have
neither until they are saved again.

Revision ID: tenant_message_0012
Revises: tenant_message_0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tenant_message_0012"
down_revision: str | Sequence[str] | None = "tenant_message_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message_sender_accounts") as batch:
        batch.add_column(sa.Column("webhook_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("webhook_token_ciphertext", sa.String(600), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message_sender_accounts") as batch:
        batch.drop_column("webhook_token_ciphertext")
        batch.drop_column("webhook_id")
