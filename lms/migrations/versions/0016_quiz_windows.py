"""quiz windows per class, published quizzes, the class of an attempt, flagged questions

Revision ID: 0016_quiz_windows
Revises: 0015_legal_basis
Create Date: 2026-12-05 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


revision = '0016_quiz_windows'
down_revision = '0015_legal_basis'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'quiz_windows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('quiz_id', sa.Integer(), nullable=False),
        sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at',
                           name=op.f('ck_quiz_windows_opens_before_closes')),
        sa.ForeignKeyConstraint(['class_id'], ['classes.id'],
                                name=op.f('fk_quiz_windows_class_id_classes'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'],
                                name=op.f('fk_quiz_windows_quiz_id_quizzes'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_quiz_windows_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_windows')),
        sa.UniqueConstraint('class_id', 'quiz_id', name=op.f('uq_quiz_windows_class_id_quiz_id')),
    )
    with op.batch_alter_table('quiz_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_windows_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_windows_quiz_id'), ['quiz_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_windows_updated_by_id'), ['updated_by_id'],
                              unique=False)
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('class_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attempts_class_id'), ['class_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attempts_class_id_classes'), 'classes',
                                    ['class_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flagged', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.drop_column('flagged')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attempts_class_id_classes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attempts_class_id'))
        batch_op.drop_column('class_id')
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_column('published')
    op.drop_table('quiz_windows')
