"""marks of a quiz's fixed questions (draw rules carry theirs in the draw JSON)

Revision ID: 0024_quiz_marks
Revises: 0021_enrolment_moved_to
Create Date: 2026-12-05 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


revision = '0024_quiz_marks'
down_revision = '0021_enrolment_moved_to'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fixed_marks', sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))


def downgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_column('fixed_marks')
