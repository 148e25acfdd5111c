"""Text that JSON allows but no page or database can hold, and numbers that are not numbers.

JSON carries a lone surrogate (``"\\ud800"``: valid JSON, no UTF-8) and NUL (``"\\u0000"``:
PostgreSQL refuses it in text); Python's JSON reader takes ``NaN``, ``Infinity`` and reads
``1e400`` as infinity; a form field carries ``%00``; a YAML escape makes either. Before this
module, one trainee's answer with a lone surrogate was stored, then every page showing it
answered 500 for good (the attempt, the cohort's item analysis, the quiz statistics, the
author's quiz editor); one network name took the home page down; a NUL in a lesson title,
Markdown or a centre code was a 500 on PostgreSQL. The rule now: every text that enters is
storable text, or it is refused with a 422 naming the field, and nothing is written.

Where each way in is checked, once, for everything that comes that way:

- JSON request bodies: ``core.jsonio.load_body`` (the API's parser and ``request.get_json``)
  — ``test_every_json_write_refuses_unstorable_text_in_every_field``,
  ``test_every_json_write_refuses_numbers_that_are_not_finite``,
  ``test_a_bad_key_is_refused_like_a_bad_value``;
- form fields: ``core.security.StorableForm`` (every ``request.form``) —
  ``test_every_form_refuses_a_nul_in_any_field``; query strings keep their 400 for NUL
  (tests/adversarial/test_sqli.py);
- packages: the YAML loader and the text reader (``authoring/package``) —
  ``test_a_package_with_unstorable_escapes_is_refused_at_its_line``;
- anything else (a command's arguments, a file, an endpoint yet to be written): the
  session's last guard before the database, ``core.db.refuse_unstorable_values`` —
  ``test_the_last_guard_refuses_what_a_command_line_carries`` and
  ``test_the_last_guard_names_the_attribute``;
- what was stored before: migration 0014 repairs JSON documents —
  ``test_stored_surrogates_are_repaired_and_pages_answer_again``.

Pages that show what trainees and admins wrote are walked after each attack in
``test_the_pages_that_broke_stay_up`` (the attempt, item analysis, quiz statistics, the
Studio's quiz editor, the home page).
"""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from elearn.extensions import db
from tests.adversarial.routekit import WriteSpy, api_writes, build_world, forms
from tests.adversarial.worldkit import DRAFT
from tests.factories import package
from tests.harness import base_config
from tests.quizkit import SLUG

pytestmark = pytest.mark.adversarial

SURROGATE = "x\ud800y"
NUL = "x\x00y"


@pytest.fixture
def world(app, api, make):
    return build_world(app, api, make)


def leaves(body, path=""):
    """(dotted path, value) of every text and number in a JSON body."""
    if isinstance(body, dict):
        for key, value in body.items():
            yield from leaves(value, f"{path}.{key}" if path else key)
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from leaves(value, f"{path}.{index}" if path else str(index))
    elif isinstance(body, str | int | float) and not isinstance(body, bool):
        yield path, body


def replaced(body, path: str, value):
    """A deep copy of ``body`` with the leaf at ``path`` replaced."""
    copy = json.loads(json.dumps(body))
    *parents, last = path.split(".")
    node = copy
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return copy


def people(w):
    return {"a": w.a, "b": w.b, "sale": w.sale, "expert": w.expert, "admin": w.admin}


def json_bodies(app, w):
    adapter = app.url_map.bind("localhost")
    endpoint_of = {(r.rule, m): r.endpoint for r in app.url_map.iter_rules() for m in r.methods}
    for rule, method, who, args, body in api_writes(w):
        if isinstance(body, dict):
            url = adapter.build(endpoint_of[rule, method], args, method=method)
            yield rule, method, people(w)[who].token, url, body


def assert_refused_naming(response, path: str, where: str):
    assert response.status_code == 422, (where, response.status_code, response.get_data()[:300])
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert any(e["path"] == path for e in problem.get("errors", [])), (where, problem)
    assert problem["detail"]


def test_every_json_write_refuses_unstorable_text_in_every_field(app, api, world):
    checked = 0
    with WriteSpy(app) as spy:
        for rule, method, token, url, body in json_bodies(app, world):
            for path, value in leaves(body):
                if not isinstance(value, str):
                    continue
                for bad in (SURROGATE, NUL):
                    raw = json.dumps(replaced(body, path, bad))  # "\ud800", "\u0000" escapes
                    spy.take()
                    response = api.call(
                        method, url, token=token, data=raw, content_type="application/json"
                    )
                    assert_refused_naming(response, path, f"{method} {rule} {path} {bad!r}")
                    assert spy.take() == [], (rule, path)
                    checked += 1
    assert checked >= 40  # the sweep reached every text of every JSON write


def test_every_json_write_refuses_numbers_that_are_not_finite(app, api, world):
    checked = 0
    for rule, method, token, url, body in json_bodies(app, world):
        for path, value in leaves(body):
            if isinstance(value, str):
                continue
            for literal in ("NaN", "Infinity", "-Infinity", "1e400"):
                raw = json.dumps(replaced(body, path, "@@N@@")).replace('"@@N@@"', literal)
                response = api.call(
                    method, url, token=token, data=raw, content_type="application/json"
                )
                assert_refused_naming(response, path, f"{method} {rule} {path} {literal}")
                checked += 1
    assert checked >= 8
    # a quiz answer is free-form (no schema types it): a numeric answer is refused the same
    # way, and nothing is saved
    for literal in ("NaN", "Infinity", "-Infinity", "1e400"):
        response = api.call(
            "PUT",
            f"/api/v1/attempts/{world.b_open}/answers",
            token=world.b.token,
            data='{"answers": {"q4": ' + literal + "}}",
            content_type="application/json",
        )
        assert_refused_naming(response, "answers.q4", f"answers {literal}")
    attempt = api.get(f"/api/v1/attempts/{world.b_open}", token=world.b.token)
    assert attempt.status_code == 200
    assert all(q["answer"] is None for q in attempt.get_json()["questions"] if q["id"] == "q4")


def test_a_bad_key_is_refused_like_a_bad_value(app, api, world):
    for raw in ('{"answers": {"q\\ud800": true}}', '{"answers": {"q\\u0000": true}}'):
        response = api.call(
            "PUT",
            f"/api/v1/attempts/{world.b_open}/answers",
            token=world.b.token,
            data=raw,
            content_type="application/json",
        )
        assert response.status_code == 422, response.get_json()
        # the bad key itself is never echoed back (it could not be encoded either)
        assert "\\ud800" not in response.get_data(as_text=True)
    # the members list reads its body with request.get_json: the same rule applies
    response = api.call(
        "POST",
        f"/api/v1/cohorts/{world.sale_cohort}/members",
        token=world.sale.token,
        data='{"emails": ["new\\ud800@ofppt.example"]}',
        content_type="application/json",
    )
    assert response.status_code == 422, response.get_json()


def test_every_form_refuses_a_nul_in_any_field(app, signed_in, world):
    w = world
    browsers = {key: signed_in(p.email) for key, p in people(w).items()}
    adapter = app.url_map.bind("localhost")
    endpoint_of = {r.rule: r.endpoint for r in app.url_map.iter_rules()}
    checked = 0
    with WriteSpy(app) as spy:
        for rule, who, args, data in forms(app, w):
            url = adapter.build(endpoint_of[rule], args)
            browser = browsers[who] if who else app.test_client()
            fields = [k for k, v in data.items() if isinstance(v, str)] or ["extra"]
            for field in fields:
                form = {
                    k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v
                    for k, v in data.items()
                }
                form[field] = NUL
                form["csrf_token"] = browser.csrf_token()
                spy.take()
                response = browser.post(url, data=form)
                assert response.status_code == 422, (rule, field, response.status_code)
                assert "U+0000" in response.get_data(as_text=True), (rule, field)
                assert spy.take() == [], (rule, field)
                checked += 1
    assert checked >= 40


def altered(data: bytes, **changes: tuple[str, str]) -> bytes:
    """The package with some texts replaced: ``name=(old, new)`` in the entry ending in
    ``name`` (dots as underscores)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            for name, (old, new) in changes.items():
                if info.filename.endswith(name.replace("_", ".")):
                    text = content.decode()
                    assert old in text, (name, old)
                    content = text.replace(old, new).encode()
            dst.writestr(info.filename, content)
    return out.getvalue()


def test_a_package_with_unstorable_escapes_is_refused_at_its_line(app, api, make):
    make.centre()
    token = make.token(make.user("expert", network="DMK").email)
    for escape, expected in (("\\ud800", "U+D800"), ("\\0", "U+0000")):
        data = altered(
            package(), course_yml=("title: {fr: Moteur,", f'title: {{fr: "Moteur {escape}",')
        )
        response = api.post(
            "/api/v1/courses/import",
            token=token,
            data={"file": (io.BytesIO(data), "engine-basics.zip")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422, response.get_json()
        errors = response.get_json()["errors"]
        assert any(
            e["path"] == "course.yml" and e["line"] == 8 and expected in e["message"]
            for e in errors
        ), errors
    lesson_with_nul = altered(package(), cycle_fr_md=("# Quatre temps", "# Quatre\x00 temps"))
    response = api.post(
        "/api/v1/courses/import",
        token=token,
        data={"file": (io.BytesIO(lesson_with_nul), "engine-basics.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert any(
        e["path"].endswith("01-cycle.fr.md") and e["line"] == 7 and "U+0000" in e["message"]
        for e in response.get_json()["errors"]
    ), response.get_json()["errors"]
    with app.app_context():
        from elearn.authoring.models import Course

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_the_last_guard_names_the_attribute(app):
    from elearn.accounts import services
    from elearn.core.errors import NotFiniteError, UnstorableTextError

    with app.app_context():
        centre = services.save_centre(db.session, None, code="RABAT", name="Rabat", city="Rabat")
        db.session.commit()
        centre.name = "Rabat \ud800"  # straight onto the row: no form, no JSON, no check
        with pytest.raises(UnstorableTextError) as caught:
            db.session.flush()
        assert caught.value.field == "name" and caught.value.status == 422
        db.session.rollback()
        from elearn.accounts.models import Network

        network = db.session.scalar(sa.select(Network).where(Network.code == "DMK"))
        network.name = {**network.name, "ar": "\x00"}
        with pytest.raises(UnstorableTextError) as caught:
            db.session.flush()
        assert caught.value.field == "name.ar"
        db.session.rollback()
        from elearn.authoring.models import Question  # noqa: F401 - a float column

        network.domains = [math.inf]
        with pytest.raises(NotFiniteError):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(type(centre), centre.id).name == "Rabat"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_last_guard_refuses_what_a_command_line_carries(backend, database_url, tmp_path):
    """Arguments that are not UTF-8 reach Python as lone surrogates (surrogateescape)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "ELEARN_DATABASE_URL": database_url,
        "ELEARN_INSTANCE_DIR": str(tmp_path),
        "ELEARN_SECRET_KEY": "x" * 40,
    }
    elearn = Path(sys.executable).with_name("elearn")
    done = subprocess.run(
        [
            str(elearn),
            "users",
            "create",
            "cli@ofppt.example",
            "--name",
            b"Nom \xff",
            "--role",
            "admin",
        ],
        input="a-long-unusual-password-1\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "U+DCFF" in done.stderr and "Traceback" not in done.stderr
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT count(*) FROM users WHERE email LIKE 'cli@%'"))
        assert found.scalar() == 0
    engine.dispose()


def test_the_pages_that_broke_stay_up(app, api, signed_in, world):
    """The attack of the review, replayed: afterwards every page that showed the value
    answers 200, because nothing was stored."""
    w = world
    bad = '{"answers": {"q3": "\\ud800"}}'
    api.call(
        "PUT",
        f"/api/v1/attempts/{w.b_open}/answers",
        token=w.b.token,
        data=bad,
        content_type="application/json",
    )
    api.call(
        "POST",
        f"/api/v1/attempts/{w.b_open}/submit",
        token=w.b.token,
        data=bad,
        content_type="application/json",
    )
    network = '{"code": "BAD", "name": {"fr": "R\\ud800", "ar": "x"}, "domains": ["ai"]}'
    response = api.call(
        "POST",
        "/api/v1/networks",
        token=w.admin.token,
        data=network,
        content_type="application/json",
    )
    assert response.status_code == 422
    pages = {
        "b": [f"/attempts/{w.b_open}", f"/attempts/{w.b_submitted}", "/", "/my/learning"],
        "sale": [f"/cohorts/{w.sale_cohort}/items", "/"],
        "expert": [f"/studio/{SLUG}/questions", f"/studio/{SLUG}/modules/checks/quiz", "/"],
        "admin": ["/", "/admin/networks"],
    }
    for who, urls in pages.items():
        browser = signed_in(people(w)[who].email)
        for url in urls:
            response = browser.get(url)
            assert response.status_code == 200, (who, url, response.status_code)
    assert api.get(f"/api/v1/attempts/{w.b_open}", token=w.b.token).status_code == 200
    assert api.get("/api/v1/networks", token=w.b.token).status_code == 200
    assert api.get(f"/api/v1/courses/{DRAFT}", token=w.expert.token).status_code == 200


def test_stored_surrogates_are_repaired_and_pages_answer_again(backend, tmp_path):
    """A database written before the rule holds a lone surrogate (kept as a JSON escape)
    in a network's name and in an answer: migrating repairs both, the home page answers."""
    from elearn import create_app
    from elearn.core.migrations import upgrade
    from tests.harness import normalized_pg_url

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        import secrets

        server = normalized_pg_url()
        name = f"elearn_repair_{secrets.token_hex(4)}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    app = create_app(base_config(url))
    try:
        with app.app_context():
            upgrade("0010_drop_redundant_user_indexes")
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text("UPDATE networks SET name = :name WHERE code = 'DMK'"),
                    {"name": '{"fr": "DMK \\ud800 r\\u00e9seau", "ar": "x\\u0000y"}'},
                )
            upgrade()
            with db.engine.connect() as conn:
                stored = conn.execute(
                    sa.text("SELECT name FROM networks WHERE code = 'DMK'")
                ).scalar()
            name = json.loads(stored) if isinstance(stored, str) else stored
            assert name == {"fr": "DMK \ufffd réseau", "ar": "xy"}
            db.engine.dispose()
        assert app.test_client().get("/").status_code == 200
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if backend != "sqlite":
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
