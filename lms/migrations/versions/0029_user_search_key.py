"""users.search_key: name, username and email without case or diacritics, for search

Revision ID: 0029_user_search_key
Revises: 0028_pdf_versions
Create Date: 2026-12-06 01:10:00.000000

"""
import unicodedata

import sqlalchemy as sa
from alembic import op


revision = '0029_user_search_key'
down_revision = '0028_pdf_versions'
branch_labels = None
depends_on = None


def _fold(s):
    # lms.vietnamese.fold as of this revision (a migration keeps its own copy).
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", s).casefold())
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.replace("đ", "d").replace("\u200b", "").replace("\ufeff", "")
                    .split())


def upgrade():
    # Plain ALTER TABLE on both databases (a batch copy of ``users`` on SQLite would trip
    # over the foreign keys that point at it).
    op.add_column('users', sa.Column('search_key', sa.String(length=520), nullable=False,
                                     server_default=''))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('full_name', sa.String),
                     sa.column('username', sa.String), sa.column('email', sa.String),
                     sa.column('search_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.full_name, users.c.username,
                                        users.c.email)).all()
    for user_id, full_name, username, email in rows:
        key = _fold(" ".join(part for part in (full_name, username, email) if part))[:520]
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(search_key=key))


def downgrade():
    op.execute("ALTER TABLE users DROP COLUMN search_key")  # SQLite 3.35+, PostgreSQL
