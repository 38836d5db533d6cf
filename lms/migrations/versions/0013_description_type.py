"""question type: description (text, no answer, no marks)

Revision ID: 0013_description_type
Revises: 0012_question_idnumber
Create Date: 2026-12-04 21:55:00.000000

"""
from alembic import op


revision = '0013_description_type'
down_revision = '0012_question_idnumber'
branch_labels = None
depends_on = None

OLD = ("'single_choice', 'multiple_choice', 'true_false', 'short_answer', 'numerical', "
       "'matching', 'essay'")
NEW = OLD + ", 'description'"


def _types(allowed):
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_question_versions_type_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_question_versions_type_valid'),
                                         f"type IN ({allowed})")


def upgrade():
    _types(NEW)


def downgrade():
    _types(OLD)
