"""question banks: a course's bank of tagged questions, quizzes that draw from it, and
question versions

A bank is a quizzes row with ``bank_course_id`` set and no module (so ``module_id`` may now
be NULL); ``quizzes.draw`` says how many bank questions of each tag an attempt draws;
``questions.tags`` are the topics drawn by, ``questions.version`` counts the changes of a
question's definition (its key keeps its identity, and its statistics).

Revision ID: 0018_question_banks
Revises: 0017_email_change
Create Date: 2026-12-02 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_question_banks'
down_revision = '0017_email_change'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.alter_column('module_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('bank_course_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('draw', sa.JSON(), server_default='[]', nullable=False))
        batch_op.create_foreign_key(
            batch_op.f('fk_quizzes_bank_course_id_courses'),
            'courses',
            ['bank_course_id'],
            ['id'],
            ondelete='CASCADE',
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_quizzes_bank_course_id'), ['bank_course_id']
        )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(
            sa.Column('version', sa.Integer(), server_default='1', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('tags')
    op.execute("DELETE FROM quizzes WHERE module_id IS NULL")
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_quizzes_bank_course_id'), type_='unique')
        batch_op.drop_constraint(
            batch_op.f('fk_quizzes_bank_course_id_courses'), type_='foreignkey'
        )
        batch_op.drop_column('draw')
        batch_op.drop_column('bank_course_id')
        batch_op.alter_column('module_id', existing_type=sa.Integer(), nullable=False)
