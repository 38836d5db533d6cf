"""question identity: an ID number per question; names may repeat

Revision ID: 0012_question_idnumber
Revises: 0011_sync_bases
Create Date: 2026-12-04 20:50:00.000000

Before, a question was known by its name (unique in its course); that name becomes its ID
number, so every question keeps its identity (lms.quizzes.identity adopts it when its file
gives no id).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_question_idnumber'
down_revision = '0011_sync_bases'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idnumber', sa.String(length=200), nullable=True))
    op.execute("UPDATE questions SET idnumber = name")
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.alter_column('idnumber', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_constraint('uq_questions_course_id_name', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_questions_course_id_idnumber'),
                                          ['course_id', 'idnumber'])


def downgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_questions_course_id_idnumber'), type_='unique')
        batch_op.create_unique_constraint('uq_questions_course_id_name', ['course_id', 'name'])
        batch_op.drop_column('idnumber')
