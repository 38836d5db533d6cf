"""every PDF version of a certificate (LTV refresh): earlier copies keep verifying

Revision ID: 0028_pdf_versions
Revises: 0027_signing_keys
Create Date: 2026-12-06 00:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


revision = '0028_pdf_versions'
down_revision = '0027_signing_keys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificate_pdf_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=12), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("reason IN ('issue', 'ltv_refresh')",
                           name=op.f('ck_certificate_pdf_versions_reason_valid')),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                                name=op.f('fk_certificate_pdf_versions_certificate_id_certificates'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_pdf_versions')),
        sa.UniqueConstraint('sha256', name=op.f('uq_certificate_pdf_versions_sha256')),
    )
    with op.batch_alter_table('certificate_pdf_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_pdf_versions_certificate_id'),
                              ['certificate_id'], unique=False)
    # The PDF each certificate has now is its first version (its bytes stay in certificates).
    op.execute(
        "INSERT INTO certificate_pdf_versions (certificate_id, sha256, reason, created_at) "
        "SELECT id, pdf_sha256, 'issue', issued_at FROM certificates "
        "WHERE id IN (SELECT MIN(id) FROM certificates GROUP BY pdf_sha256)"
    )


def downgrade():
    with op.batch_alter_table('certificate_pdf_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_pdf_versions_certificate_id'))
    op.drop_table('certificate_pdf_versions')
