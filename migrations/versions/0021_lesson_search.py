"""lesson search: every published language version of a lesson as plain text and folded
words, and the database's full-text index on those words

``lesson_search_entries`` holds, per lesson and language, the published title and the
published HTML as plain text (for excerpts) and ``terms``, their words folded and split in
Python (``elearn/learning/search.py``), one space between them. The index only looks those
words up, so both databases find the same lessons:

- SQLite: ``lesson_search_fts``, an FTS5 table over ``terms`` (external content, kept in
  step by triggers; the ``ascii`` tokenizer splits exactly at our spaces);
- PostgreSQL: a GIN index on ``array_to_tsvector(string_to_array(terms, ' '))``.

The entries are written when a course is published; for courses published before this
revision, run ``elearn courses reindex`` once after upgrading (a migration does not import
the application's folding rules).

Revision ID: 0021_lesson_search
Revises: 0020_bilingual_names
Create Date: 2026-12-04 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_lesson_search'
down_revision = '0020_bilingual_names'
branch_labels = None
depends_on = None


SQLITE_UP = [
    "CREATE VIRTUAL TABLE lesson_search_fts USING fts5(terms, content='lesson_search_entries', "
    "content_rowid='id', tokenize='ascii', prefix='2 3')",
    "CREATE TRIGGER lesson_search_entries_ai AFTER INSERT ON lesson_search_entries BEGIN "
    "INSERT INTO lesson_search_fts (rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER lesson_search_entries_ad AFTER DELETE ON lesson_search_entries BEGIN "
    "INSERT INTO lesson_search_fts (lesson_search_fts, rowid, terms) "
    "VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER lesson_search_entries_au AFTER UPDATE ON lesson_search_entries BEGIN "
    "INSERT INTO lesson_search_fts (lesson_search_fts, rowid, terms) "
    "VALUES ('delete', old.id, old.terms); "
    "INSERT INTO lesson_search_fts (rowid, terms) VALUES (new.id, new.terms); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS lesson_search_entries_au",
    "DROP TRIGGER IF EXISTS lesson_search_entries_ad",
    "DROP TRIGGER IF EXISTS lesson_search_entries_ai",
    "DROP TABLE IF EXISTS lesson_search_fts",
]
PG_UP = [
    "CREATE INDEX ix_lesson_search_entries_terms ON lesson_search_entries "
    "USING gin (array_to_tsvector(string_to_array(terms, ' ')))",
]
PG_DOWN = ["DROP INDEX IF EXISTS ix_lesson_search_entries_terms"]


def upgrade():
    op.create_table('lesson_search_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('lesson_slug', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('title_terms', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_lesson_search_entries_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_search_entries_lesson_id_lessons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_lesson_search_entries_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_search_entries')),
    sa.UniqueConstraint('lesson_id', 'lang', name=op.f('uq_lesson_search_entries_lesson_id'))
    )
    with op.batch_alter_table('lesson_search_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_search_entries_course_id'), ['course_id'], unique=False)
    statements = SQLITE_UP if op.get_bind().dialect.name == 'sqlite' else PG_UP
    for statement in statements:
        op.execute(statement)


def downgrade():
    statements = SQLITE_DOWN if op.get_bind().dialect.name == 'sqlite' else PG_DOWN
    for statement in statements:
        op.execute(statement)
    with op.batch_alter_table('lesson_search_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_search_entries_course_id'))
    op.drop_table('lesson_search_entries')
