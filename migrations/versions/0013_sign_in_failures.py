"""sign_in_failures: the per-account budget of failed sign-ins, shared by every worker

Flask-Limiter counted failures per account in each worker's memory (without Redis), and
separately for the sign-in page and ``POST /api/v1/tokens``: two workers accepted twice
the documented budget. The database is the one place every worker and instance sees.

Revision ID: 0013_sign_in_failures
Revises: 0012_publication_media
Create Date: 2026-12-01 22:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_sign_in_failures'
down_revision = '0012_publication_media'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_failures',
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('resets_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account', name=op.f('pk_sign_in_failures'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_failures_resets_at'), ['resets_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_resets_at'))

    op.drop_table('sign_in_failures')
