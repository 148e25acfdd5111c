"""Migrations build exactly the models, seed the programme networks, and unwind to nothing."""

from __future__ import annotations

import json
import secrets

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elearn import create_app
from elearn.core.migrations import downgrade, upgrade
from elearn.extensions import db
from elearn.learning.search import SEARCH_OBJECTS
from tests.harness import base_config, normalized_pg_url


@pytest.fixture
def empty_database(backend, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = normalized_pg_url()
    name = f"elearn_mig_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrade_matches_models_and_downgrade_unwinds(empty_database):
    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            # the lesson search's FTS5 table and GIN index are made by hand, beside the models
            skip = {"include_name": lambda name, *_: not (name or "").startswith(SEARCH_OBJECTS)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=skip), db.metadata)
            codes = conn.execute(sa.text("SELECT code FROM networks ORDER BY code")).scalars()
            assert list(codes) == ["ACOMS", "AEROMAC", "AMCN", "C3M", "DMK"]
        assert diff == []
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()  # and back up again, cleanly
        assert "users" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_published_courses_keep_their_media_after_the_upgrade(empty_database):
    """0012 gives readers the files their published lessons link to, and nothing else."""
    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade("0010_drop_redundant_user_indexes")
        with db.engine.begin() as conn:
            network = conn.execute(sa.text("SELECT id FROM networks WHERE code = 'DMK'")).scalar()
            for course_id, slug, published in (
                (1, "live", '{"version": "v1"}'),
                (2, "draft", None),
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO courses (id, slug, domain, network_id, level, "
                        "estimated_hours, source_language, languages, title, summary, "
                        "search_text, competencies, status, open_enrolment, published, "
                        "created_at, updated_at) VALUES (:id, :slug, 'automotive', :network, "
                        "'beginner', 1, 'fr', '[\"fr\"]', '{}', '{}', '', '[]', 'published', "
                        "true, :published, '2026-01-01', '2026-01-01')"
                    ),
                    {"id": course_id, "slug": slug, "network": network, "published": published},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO modules (id, course_id, slug, position, title, summary) "
                        "VALUES (:id, :id, 'm', 1, '{}', '{}')"
                    ),
                    {"id": course_id},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO lessons (id, module_id, slug, position, kind, "
                        "competencies, equipment, safety) VALUES (:id, :id, 'l', 1, 'theory', "
                        "'[]', '{}', '{}')"
                    ),
                    {"id": course_id},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO lesson_contents (lesson_id, lang, title, markdown, html, "
                        "source_hash, updated_at, published_html) VALUES (:id, 'fr', 't', '', "
                        "'', '', '2026-01-01', :html)"
                    ),
                    {
                        "id": course_id,
                        "html": f'<p><img src="/courses/{slug}/media/sch%C3%A9ma.png"></p>',
                    },
                )
                for n, path in enumerate(("media/schéma.png", "media/brouillon.png")):
                    conn.execute(
                        sa.text(
                            "INSERT INTO media_assets (course_id, path, key, content_type, size, "
                            "sha256, created_at) VALUES (:course, :path, :key, 'image/png', 1, "
                            "'', '2026-01-01')"
                        ),
                        {"course": course_id, "path": path, "key": f"courses/{slug}/{n}.png"},
                    )
        upgrade("0012_publication_media")
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT path, published FROM media_assets ORDER BY course_id, path")
            ).all()
        snapshots = [
            (path, json.loads(snap) if isinstance(snap, str) else snap) for path, snap in rows
        ]
        assert snapshots == [
            ("media/brouillon.png", None),
            ("media/schéma.png", {"key": "courses/live/0.png", "content_type": "image/png"}),
            ("media/brouillon.png", None),
            ("media/schéma.png", None),
        ]
        db.engine.dispose()
