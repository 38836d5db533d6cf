"""enrolment moved to: a learner moved to another class keeps the old row, pointing there

Revision ID: 0021_enrolment_moved_to
Revises: 0016_quiz_windows
Create Date: 2026-12-05 08:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_enrolment_moved_to'
down_revision = '0016_quiz_windows'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moved_to_class_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_enrolments_moved_to_class_id_classes'),
                                    'classes', ['moved_to_class_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enrolments_moved_to_class_id_classes'),
                                 type_='foreignkey')
        batch_op.drop_column('moved_to_class_id')
