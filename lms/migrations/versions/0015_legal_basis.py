"""legal basis: documents a course relies on, citations of lessons

Revision ID: 0015_legal_basis
Revises: 0014_question_files
Create Date: 2026-12-05 05:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


revision = '0015_legal_basis'
down_revision = '0014_question_files'
branch_labels = None
depends_on = None

KINDS = "'course', 'lesson', 'question', 'quiz', 'attachment'"


def _kinds(allowed):
    with op.batch_alter_table('course_sync_bases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_course_sync_bases_kind_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_course_sync_bases_kind_valid'),
                                         f"kind IN ({allowed})")


def upgrade():
    op.create_table(
        'legal_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('issuer', sa.String(length=200), nullable=False),
        sa.Column('signed_on', sa.Date(), nullable=True),
        sa.Column('effective_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('replaced_by', sa.String(length=60), nullable=False),
        sa.Column('status_date', sa.Date(), nullable=True),
        sa.Column('source', sa.String(length=500), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('in_force', 'amended', 'replaced', 'expired')",
                           name=op.f('ck_legal_documents_status_valid')),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'],
                                name=op.f('fk_legal_documents_course_id_courses'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'],
                                name=op.f('fk_legal_documents_changed_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_documents')),
        sa.UniqueConstraint('course_id', 'number',
                            name=op.f('uq_legal_documents_course_id_number')),
    )
    with op.batch_alter_table('legal_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_documents_course_id'), ['course_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_legal_documents_changed_by_id'),
                              ['changed_by_id'], unique=False)
    op.create_table(
        'legal_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('lesson', 'question')",
                           name=op.f('ck_legal_reviews_kind_valid')),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'],
                                name=op.f('fk_legal_reviews_course_id_courses'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'],
                                name=op.f('fk_legal_reviews_reviewed_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_reviews')),
        sa.UniqueConstraint('kind', 'item_id', 'number',
                            name=op.f('uq_legal_reviews_kind_item_id_number')),
    )
    with op.batch_alter_table('legal_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_reviews_course_id'), ['course_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_legal_reviews_reviewed_by_id'),
                              ['reviewed_by_id'], unique=False)
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_reviewed_on', sa.Date(), nullable=True))
    for table in ('lessons', 'lesson_revisions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('legal', sa.JSON(), nullable=False,
                                          server_default=sa.text("'[]'")))
    _kinds(KINDS + ", 'legal'")


def downgrade():
    _kinds(KINDS)
    for table in ('lesson_revisions', 'lessons'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('legal')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('legal_reviewed_on')
    with op.batch_alter_table('legal_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_reviews_reviewed_by_id'))
        batch_op.drop_index(batch_op.f('ix_legal_reviews_course_id'))
    op.drop_table('legal_reviews')
    with op.batch_alter_table('legal_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_documents_changed_by_id'))
        batch_op.drop_index(batch_op.f('ix_legal_documents_course_id'))
    op.drop_table('legal_documents')
