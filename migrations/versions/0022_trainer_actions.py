"""trainer actions: what trainers did for their trainees, and the attempt allowances

``trainer_actions`` records each action (extra attempt, reopened module, message, trainee
added or removed) with who, when and why, a form token unique per trainer (a double click
acts once); ``quiz_allowances`` holds per trainee and quiz the extra attempts granted and
the attempt number a reopened module counts from.

Revision ID: 0022_trainer_actions
Revises: 0020_bilingual_names
Create Date: 2026-12-04 18:50:20.967643

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_trainer_actions'
down_revision = '0020_bilingual_names'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trainer_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('token', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_trainer_actions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_trainer_actions_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_trainer_actions_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_trainer_actions_module_id_modules'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_trainer_actions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainer_actions')),
    sa.UniqueConstraint('actor_id', 'token', name='uq_trainer_actions_actor_token')
    )
    with op.batch_alter_table('trainer_actions', schema=None) as batch_op:
        batch_op.create_index('ix_trainer_actions_cohort_user', ['cohort_id', 'user_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_trainer_actions_user_id'), ['user_id'], unique=False)

    op.create_table('quiz_allowances',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('extra', sa.Integer(), nullable=False),
    sa.Column('reopened_after', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_quiz_allowances_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quiz_allowances_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'quiz_id', name=op.f('pk_quiz_allowances'))
    )
    with op.batch_alter_table('quiz_allowances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_allowances_quiz_id'), ['quiz_id'], unique=False)



def downgrade():
    with op.batch_alter_table('quiz_allowances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_allowances_quiz_id'))

    op.drop_table('quiz_allowances')
    with op.batch_alter_table('trainer_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainer_actions_user_id'))
        batch_op.drop_index('ix_trainer_actions_cohort_user')

    op.drop_table('trainer_actions')
