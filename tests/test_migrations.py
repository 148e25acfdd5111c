"""Migrations build exactly the models, seed the programme networks, and unwind to nothing."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elearn import create_app
from elearn.core.migrations import downgrade, upgrade
from elearn.extensions import db
from tests.conftest import base_config, normalized_pg_url


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
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            codes = conn.execute(sa.text("SELECT code FROM networks ORDER BY code")).scalars()
            assert list(codes) == ["ACOMS", "AEROMAC", "AMCN", "C3M", "DMK"]
        assert diff == []
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()  # and back up again, cleanly
        assert "users" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
