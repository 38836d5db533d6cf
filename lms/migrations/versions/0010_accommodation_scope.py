"""accommodation scope

Revision ID: 0010_accommodation_scope
Revises: 0009_exam_pools
Create Date: 2026-12-04 16:57:22.061205

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_accommodation_scope'
down_revision = '0009_exam_pools'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('accommodations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('class_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quiz_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_accommodations_user_id'), type_='unique')

    # A learner's accommodation applied to every quiz of every course: it becomes one
    # class-wide accommodation in each class the learner is in (as learner, not
    # withdrawn), so that nobody loses time they were granted; rows of learners in no
    # class applied to nothing and go.
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, user_id, extra_minutes, time_multiplier, extra_attempts, note, "
        "updated_by_id, updated_at FROM accommodations")).mappings().all()
    for row in rows:
        classes = conn.execute(sa.text(
            "SELECT class_id FROM enrolments WHERE user_id = :u AND role = 'learner' "
            "AND state != 'withdrawn' ORDER BY class_id"), {"u": row["user_id"]}).scalars().all()
        for class_id in classes:
            conn.execute(sa.text(
                "INSERT INTO accommodations (user_id, class_id, quiz_id, extra_minutes, "
                "time_multiplier, extra_attempts, note, updated_by_id, updated_at) VALUES "
                "(:user_id, :class_id, NULL, :extra_minutes, :time_multiplier, "
                ":extra_attempts, :note, :updated_by_id, :updated_at)"),
                {**row, "class_id": class_id})
    conn.execute(sa.text("DELETE FROM accommodations WHERE class_id IS NULL"))

    with op.batch_alter_table('accommodations', schema=None) as batch_op:
        batch_op.alter_column('class_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_accommodations_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accommodations_quiz_id'), ['quiz_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accommodations_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_accommodations_class_wide', ['user_id', 'class_id'], unique=True, sqlite_where=sa.text('quiz_id IS NULL'), postgresql_where=sa.text('quiz_id IS NULL'))
        batch_op.create_index('uq_accommodations_per_quiz', ['user_id', 'class_id', 'quiz_id'], unique=True, sqlite_where=sa.text('quiz_id IS NOT NULL'), postgresql_where=sa.text('quiz_id IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_accommodations_quiz_id_quizzes'), 'quizzes', ['quiz_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_accommodations_class_id_classes'), 'classes', ['class_id'], ['id'], ondelete='CASCADE')


def downgrade():
    # Back to one accommodation per learner: the newest class-wide one is kept.
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM accommodations WHERE quiz_id IS NOT NULL"))
    conn.execute(sa.text(
        "DELETE FROM accommodations WHERE id NOT IN (SELECT MAX(id) FROM accommodations "
        "GROUP BY user_id)"))
    with op.batch_alter_table('accommodations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_accommodations_class_id_classes'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_accommodations_quiz_id_quizzes'), type_='foreignkey')
        batch_op.drop_index('uq_accommodations_per_quiz', sqlite_where=sa.text('quiz_id IS NOT NULL'), postgresql_where=sa.text('quiz_id IS NOT NULL'))
        batch_op.drop_index('uq_accommodations_class_wide', sqlite_where=sa.text('quiz_id IS NULL'), postgresql_where=sa.text('quiz_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_accommodations_user_id'))
        batch_op.drop_index(batch_op.f('ix_accommodations_quiz_id'))
        batch_op.drop_index(batch_op.f('ix_accommodations_class_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_accommodations_user_id'), ['user_id'])
        batch_op.drop_column('quiz_id')
        batch_op.drop_column('class_id')
