"""repair stored text that no page can show (lone surrogates, NUL) in JSON documents

Revision ID: 0014_repair_unstorable_text
Revises: 0013_sign_in_failures
Create Date: 2026-12-01

Before the platform refused them (core/jsonio.py, core/db.py), a JSON body could carry a
lone surrogate ("\\ud800") into a JSON column — a quiz answer, a network's name — where
it was kept as an escape; every page that showed it then failed to encode, for good. Text
columns never held one (SQLite and PostgreSQL both refuse). This walks every JSON column
of every table, finds the few documents whose text holds such an escape, and replaces each
lone surrogate by U+FFFD (the replacement character) and drops each NUL. The tables are
read from the database itself, so the migration means the same thing whatever came before.
"""
from alembic import op
import sqlalchemy as sa

revision = '0014_repair_unstorable_text'
down_revision = '0013_sign_in_failures'
branch_labels = None
depends_on = None


def _repair(value):
    if isinstance(value, str):
        return ''.join(
            '\ufffd' if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in value if ch != '\x00'
        )
    if isinstance(value, dict):
        return {_repair(k): _repair(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_repair(v) for v in value]
    return value


def upgrade():
    bind = op.get_bind()
    meta = sa.MetaData()
    meta.reflect(bind)
    for table in meta.sorted_tables:
        keys = list(table.primary_key.columns)
        for column in table.c:
            if not isinstance(column.type, sa.JSON) or not keys:
                continue
            text = sa.func.lower(sa.cast(column, sa.Text))
            suspects = bind.execute(
                sa.select(*keys, column).where(
                    text.like('%!\\ud%', escape='!') | text.like('%!\\u0000%', escape='!')
                )
            ).all()
            for row in suspects:
                value = row[-1]
                fixed = _repair(value)
                if fixed != value:
                    bind.execute(
                        table.update()
                        .where(*[key == row[i] for i, key in enumerate(keys)])
                        .values({column.name: fixed})
                    )


def downgrade():
    pass  # the characters removed could never be shown; there is nothing to put back
