"""published snapshots: SQL NULL, not JSON null

A row taken out of the published version had its ``published`` snapshot stored as the
JSON document ``null``, which ``published IS NOT NULL`` still matched: a lesson archived
and republished kept counting in progress and on trainers' dashboards. The columns now
store SQL NULL (``JSON(none_as_null=True)``); this turns the old rows into it.

Revision ID: 0009_published_sql_null
Revises: 0008_cohorts
Create Date: 2026-11-29 13:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_published_sql_null'
down_revision = '0008_cohorts'
branch_labels = None
depends_on = None

TABLES = ('courses', 'modules', 'lessons', 'lesson_contents', 'quizzes', 'questions')


def upgrade():
    for name in TABLES:
        table = sa.table(name, sa.column('published', sa.JSON))
        op.execute(
            table.update()
            .where(sa.cast(table.c.published, sa.Text) == 'null')
            .values(published=sa.null())
        )


def downgrade():
    pass  # SQL NULL reads back as None, as JSON null did
