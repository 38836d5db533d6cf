"""question files: images and sounds embedded in questions (Moodle XML <file>)

Revision ID: 0014_question_files
Revises: 0013_description_type
Create Date: 2026-12-05 05:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


revision = '0014_question_files'
down_revision = '0013_description_type'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'question_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('size >= 0', name=op.f('ck_question_files_size_positive')),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'],
                                name=op.f('fk_question_files_question_id_questions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_question_files')),
        sa.UniqueConstraint('question_id', 'sha256',
                            name=op.f('uq_question_files_question_id_sha256')),
    )
    with op.batch_alter_table('question_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_files_question_id'), ['question_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('question_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_files_question_id'))
    op.drop_table('question_files')
