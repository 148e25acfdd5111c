"""drop the user_id indexes that a unique index already starts with

Enrolments, lesson completions, certificates and quiz attempts each had an index on
``user_id`` beside a unique index beginning with ``user_id``, which serves the same
lookups: every completion or attempt written paid for one index more than it needed.

Revision ID: 0010_drop_redundant_user_indexes
Revises: 0009_published_sql_null
Create Date: 2026-11-29 15:00:00

"""
from alembic import op


revision = '0010_drop_redundant_user_indexes'
down_revision = '0009_published_sql_null'
branch_labels = None
depends_on = None

TABLES = ('enrolments', 'lesson_completions', 'certificates', 'quiz_attempts')


def upgrade():
    for table in TABLES:
        op.drop_index(f'ix_{table}_user_id', table_name=table)


def downgrade():
    for table in TABLES:
        op.create_index(f'ix_{table}_user_id', table, ['user_id'], unique=False)
