"""One transaction edge (core/edge.py): whatever way a request ends, what it wrote is
committed only if its answer is a success — a refused rule, an error status, an exception
or a commit lost to another request leave nothing behind, and what it put in storage goes
too. The routes below write a centre and then end each way a view can end; the class is
tested at the mechanism, so every page and API handler gets it without a test of its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import redirect, request
from sqlalchemy import func, select

from elearn.accounts import services
from elearn.accounts.models import Centre
from elearn.authoring.package.importer import staged_import
from elearn.core import edge
from elearn.core.errors import DomainError
from elearn.extensions import db
from elearn.media.storage import get_storage

ROOT = Path(__file__).resolve().parents[2] / "elearn"


def _write(code: str = "EDGE") -> None:
    services.save_centre(db.session, None, code=code, name="Centre de test", city="Salé")
    db.session.flush()


class RefusedError(DomainError):
    status = 422


@pytest.fixture
def app_config(tmp_path):
    return {"MEDIA_DIR": str(tmp_path / "media")}  # storage of this test's own


@pytest.fixture
def app(app):
    """The app with routes that write, then end in each of the ways a view ends."""
    app.config["HANDLE_UNEXPECTED_IN_TESTS"] = True
    from elearn.core.errors import init_app as errors_init

    errors_init(app)

    @app.post("/_edge/<how>")
    @app.post("/api/v1/_edge/<how>")
    def _edge(how: str):
        _write()
        if how == "ok":
            return "ok"
        if how == "refused":
            raise RefusedError("No: fix the code.", field="code")
        if how == "status":
            return "kept?", 422
        if how == "crash":
            raise RuntimeError("boom")
        if how == "attempt":  # a form's refusal, then the page redirects as usual

            def refuse():
                raise RefusedError("No.")

            edge.attempt(refuse)
            return redirect("/", code=303)
        if how == "race":  # the same unique code, added behind the service's back
            db.session.add(Centre(code="SALE", name="Doublon", city="Salé"))
            return "ok"
        if how == "staged":
            with staged_import(get_storage()) as staged:
                path = Path(app.instance_path) / "edge-upload.bin"
                path.write_bytes(b"staged bytes")
                staged.put_file("courses/edge/staged.bin", path, "application/octet-stream")
            return "refused after staging", int(request.args.get("status", "200"))
        raise AssertionError(how)

    return app


@pytest.fixture
def web(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def centres(app, code: str = "EDGE") -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Centre).where(Centre.code == code)
        )


def test_a_success_commits(app, web):
    assert web.post("/_edge/ok").status_code == 200
    assert centres(app) == 1


@pytest.mark.parametrize("prefix", ["", "/api/v1"])
@pytest.mark.parametrize(
    ("how", "status"), [("refused", 422), ("status", 422), ("crash", 500), ("attempt", 303)]
)
def test_every_other_ending_leaves_nothing(app, web, prefix, how, status):
    response = web.post(f"{prefix}/_edge/{how}")
    assert response.status_code == status
    assert centres(app) == 0
    if prefix and how == "refused":
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["errors"] == [{"path": "code", "message": "No: fix the code."}]


def test_a_commit_lost_to_another_request_is_a_409_and_leaves_nothing(app, web, make):
    make.centre("SALE")
    response = web.post("/api/v1/_edge/race")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert centres(app) == 0  # the centre written before the lost commit is gone too


@pytest.mark.parametrize(("status", "kept"), [(200, True), (422, False)])
def test_what_an_import_staged_in_storage_follows_the_transaction(app, web, status, kept):
    assert web.post(f"/_edge/staged?status={status}").status_code == status
    with app.app_context():
        assert get_storage().exists("courses/edge/staged.bin") is kept
    assert centres(app) == (1 if kept else 0)


def test_a_commands_unit_of_work_commits_or_takes_everything_back(app):
    undone = []
    with app.app_context():
        with pytest.raises(RuntimeError), edge.unit_of_work():
            _write("CMD1")
            edge.on_rollback(lambda: undone.append("storage"))
            raise RuntimeError("interrupted")
        assert undone == ["storage"]
        with edge.unit_of_work():
            _write("CMD2")
            edge.on_rollback(lambda: undone.append("not after a commit"))
    assert centres(app, "CMD1") == 0
    assert centres(app, "CMD2") == 1
    assert undone == ["storage"]


def test_a_command_import_that_fails_leaves_no_course_and_no_object(app, tmp_path):
    """`elearn courses import` of a package whose second object is stored but the storage
    answers with an error (a timeout after the bytes landed): nothing stays, not even it."""
    from elearn.authoring.cli import import_or_report

    package = Path(__file__).resolve().parents[2] / "courses"
    sample = next(
        p
        for p in sorted(package.iterdir())
        if (p / "course.yml").exists() and len(list((p / "media").iterdir())) >= 2
    )
    storage_calls = []
    with app.app_context():
        storage = get_storage()
        original = storage.put_file

        def put_then_fail(key, path, content_type):
            original(key, path, content_type)
            storage_calls.append(key)
            if len(storage_calls) == 2:  # the second object: the first one is in storage
                from elearn.media.storage import StorageError

                raise StorageError("disk full")

        storage.put_file = put_then_fail
        try:
            assert import_or_report(sample, publish=False) is None
        finally:
            storage.put_file = original
        assert len(storage_calls) == 2
        assert not any(storage.exists(key) for key in storage_calls)
        from elearn.authoring.models import Course

        assert db.session.scalar(select(func.count()).select_from(Course)) == 0


# Which modules may end a transaction themselves, and why. Everything else goes through
# core.edge: a view, an API handler or a command that commits or rolls back on its own
# brings back the four styles this replaced.
MAY_END_TRANSACTIONS = {
    "core/edge.py": "the edge itself",
    "core/db.py": "reading_only: ends the transaction before a long read (SQLite's lock)",
    "authoring/cli.py": "a read-only probe for a database that was never migrated",
    "i18n/locale.py": "reading the preference when the database is down, before any view",
}


def test_nothing_outside_the_edge_commits_or_rolls_back():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel in MAY_END_TRANSACTIONS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"commit", "rollback"}
            ):
                offenders.append(f"elearn/{rel}:{node.lineno} .{node.func.attr}()")
    assert offenders == [], "use core.edge (attempt, commit_now, unit_of_work):\n" + "\n".join(
        offenders
    )


def test_the_allowances_are_still_needed():
    """An allowance whose module no longer ends a transaction is removed from the list."""
    for rel in MAY_END_TRANSACTIONS:
        source = (ROOT / rel).read_text()
        assert ".commit()" in source or ".rollback()" in source, rel
