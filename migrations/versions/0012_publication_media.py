"""media in the published version; the revision submitted for review

``media_assets.published`` is the file readers get, as every authored row has its
snapshot: before, trainees got the working copy's file (a draft-only file, a deleted one,
or new bytes re-imported for a published image). The published version's media are the
files its published lesson texts refer to, so each asset of a published course that those
texts link to gets a snapshot of its current key and type; nothing else is readable by
trainees until the next publication (a file only in a draft never was meant to be).

``courses.submitted_revision`` records what was submitted for review; publication refuses
any other working copy. A course already in review has none: the Studio says it changed
since it was submitted, and its authors submit it again.

Revision ID: 0012_publication_media
Revises: 0010_drop_redundant_user_indexes
Create Date: 2026-12-02 10:00:00

"""
from urllib.parse import quote

from alembic import op
import sqlalchemy as sa


revision = '0012_publication_media'
down_revision = '0010_drop_redundant_user_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_revision', sa.String(length=64), nullable=True))
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published', sa.JSON(), nullable=True))

    courses = sa.table('courses', sa.column('id'), sa.column('slug'), sa.column('published'))
    modules = sa.table('modules', sa.column('id'), sa.column('course_id'))
    lessons = sa.table('lessons', sa.column('id'), sa.column('module_id'))
    contents = sa.table(
        'lesson_contents', sa.column('lesson_id'), sa.column('published_html', sa.Text)
    )
    assets = sa.table(
        'media_assets',
        sa.column('id'),
        sa.column('course_id'),
        sa.column('path'),
        sa.column('key'),
        sa.column('content_type'),
        sa.column('published', sa.JSON(none_as_null=True)),
    )
    bind = op.get_bind()
    published = bind.execute(
        sa.select(courses.c.id, courses.c.slug).where(courses.c.published.is_not(None))
    ).all()
    for course_id, slug in published:
        texts = bind.execute(
            sa.select(contents.c.published_html)
            .select_from(contents.join(lessons, lessons.c.id == contents.c.lesson_id))
            .join(modules, modules.c.id == lessons.c.module_id)
            .where(modules.c.course_id == course_id, contents.c.published_html.is_not(None))
        ).scalars()
        html = "\n".join(texts)
        rows = bind.execute(
            sa.select(assets.c.id, assets.c.path, assets.c.key, assets.c.content_type).where(
                assets.c.course_id == course_id
            )
        ).all()
        for asset_id, path, key, content_type in rows:
            # the stable address rendering writes (authoring/urls.py: media_url)
            if f'"/courses/{slug}/{quote(path)}"' in html:
                bind.execute(
                    assets.update()
                    .where(assets.c.id == asset_id)
                    .values(published={'key': key, 'content_type': content_type})
                )


def downgrade():
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.drop_column('published')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('submitted_revision')
