"""audit chain keyed with an HMAC key kept outside the database

Revision ID: 0026_audit_keyed
Revises: 0024_quiz_marks
Create Date: 2026-12-05 21:30:00.000000

Entries already in the log keep their unkeyed SHA-256 chain and get ``key_id`` NULL: they
are verified as legacy. The keyed chain continues from the legacy head: its first entry is
an ``audit_keyed`` marker whose details hold the legacy count and head, sealed by the key
(lms/audit/chain.py). ``audit_head.entries`` counts the entries, for checkpoints;
``audit_head.key_id`` tells writers whether the keyed chain has started.
"""

import sqlalchemy as sa
from alembic import op


revision = "0026_audit_keyed"
down_revision = "0025_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entries", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    op.execute("UPDATE audit_head SET entries = (SELECT COUNT(*) FROM audit_log)")


def downgrade():
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("key_id")
        batch_op.drop_column("entries")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("key_id")
