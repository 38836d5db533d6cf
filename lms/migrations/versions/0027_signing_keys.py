"""signing keys with their certificates and usage (key rotation); certificates name theirs

Revision ID: 0027_signing_keys
Revises: 0024_quiz_marks
Create Date: 2026-12-05 21:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


revision = '0027_signing_keys'
down_revision = '0026_audit_keyed'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signing_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('label', sa.Text(), nullable=False),
        sa.Column('cert_ref', sa.Text(), nullable=True),
        sa.Column('cert_pem', sa.Text(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('first_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('file', 'pkcs11')", name=op.f('ck_signing_keys_kind_valid')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_keys')),
        sa.UniqueConstraint('fingerprint', name=op.f('uq_signing_keys_fingerprint')),
    )
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.create_index('uq_signing_keys_one_active', ['active'], unique=True,
                              sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signing_key_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certificates_signing_key_id'), ['signing_key_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_certificates_signing_key_id_signing_keys'),
                                    'signing_keys', ['signing_key_id'], ['id'],
                                    ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificates_signing_key_id_signing_keys'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certificates_signing_key_id'))
        batch_op.drop_column('signing_key_id')
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.drop_index('uq_signing_keys_one_active')
    op.drop_table('signing_keys')
