"""bilingual centre names: ``centres.name_ar`` beside the French ``name``

Networks keep their names per language (``networks.name``, JSON); a centre had only the
French name OFPPT writes, so Arabic pages showed it in French inside Arabic text. The
Arabic name is a column of its own (empty until an admin gives it; pages then fall back to
the French one), so ``name`` keeps its type for the API and the exports.

Revision ID: 0020_bilingual_names
Revises: 0019_signoffs
Create Date: 2026-12-04 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_bilingual_names'
down_revision = '0019_signoffs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('name_ar', sa.String(length=200), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.drop_column('name_ar')
