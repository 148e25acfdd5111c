"""sign-offs: which reviews a network's publications need, who gives them, and the review's
threaded comments

``networks.required_signoffs`` lists the roles (domain, pedagogy, translation) a course of
the network needs signed off on the revision being published; ``network_reviewers`` says
who may sign off which role; ``course_signoffs`` records each sign-off with the revision it
vouches for; ``course_comments`` are the review's comments per lesson (or course), with
replies.

Revision ID: 0019_signoffs
Revises: 0018_question_banks
Create Date: 2026-12-03 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_signoffs'
down_revision = '0018_question_banks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('required_signoffs', sa.JSON(), server_default='[]', nullable=False)
        )
    op.create_table('network_reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_network_reviewers_network_id_networks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_network_reviewers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_reviewers')),
    sa.UniqueConstraint('network_id', 'user_id', 'role', name=op.f('uq_network_reviewers_network_id'))
    )
    with op.batch_alter_table('network_reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_reviewers_user_id'), ['user_id'], unique=False)
    op.create_table('course_signoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_signoffs_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_signoffs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_signoffs')),
    sa.UniqueConstraint('course_id', 'revision', 'role', 'user_id', name=op.f('uq_course_signoffs_course_id'))
    )
    with op.batch_alter_table('course_signoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_signoffs_user_id'), ['user_id'], unique=False)
    op.create_table('course_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('revision', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_course_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_comments_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_course_comments_lesson_id_lessons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['course_comments.id'], name=op.f('fk_course_comments_parent_id_course_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_comments'))
    )
    with op.batch_alter_table('course_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_comments_course_id'), ['course_id'], unique=False)


def downgrade():
    with op.batch_alter_table('course_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_comments_course_id'))
    op.drop_table('course_comments')
    with op.batch_alter_table('course_signoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_signoffs_user_id'))
    op.drop_table('course_signoffs')
    with op.batch_alter_table('network_reviewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_reviewers_user_id'))
    op.drop_table('network_reviewers')
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.drop_column('required_signoffs')
