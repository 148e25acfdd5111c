"""The ``elearn`` command as an operator uses it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from elearn.accounts import services
from elearn.accounts.models import Centre, User
from elearn.extensions import db


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_reads_the_password_from_stdin(app, client):
    result = run(
        app,
        "users",
        "create",
        "Amal@Example.org",
        "--name",
        "Amal Haddad",
        "--role",
        "trainer",
        "--role",
        "trainee",
        "--centre",
        "sale",
        input="a-long-password\n",
    )
    assert result.exit_code == 1  # the centre does not exist yet
    assert "centre sale inconnu" in result.output.lower()  # operators read the default locale
    with app.app_context():
        services.save_centre(db.session, None, code="SALE", name="Salé", city="Salé")
        db.session.commit()
    result = run(
        app,
        "users",
        "create",
        "Amal@Example.org",
        "--name",
        "Amal Haddad",
        "--role",
        "trainer",
        "--role",
        "trainee",
        "--centre",
        "sale",
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = services.find_user(db.session, "amal@example.org")
        assert user.roles == {"trainer", "trainee"} and user.centre.code == "SALE"
    assert client.login("amal@example.org", "a-long-password").status_code == 303


def test_users_create_refuses_bad_input_with_a_message(app):
    result = run(
        app,
        "users",
        "create",
        "x@example.org",
        "--name",
        "X",
        "--role",
        "expert",
        input="a-long-password\n",
    )
    assert result.exit_code == 1 and "réseau" in result.output.lower()
    result = run(
        app,
        "users",
        "create",
        "not-an-email",
        "--name",
        "X",
        "--role",
        "admin",
        input="a-long-password\n",
    )
    assert result.exit_code == 1 and "adresse e-mail valide" in result.output.lower()
    result = run(
        app, "users", "create", "y@example.org", "--name", "Y", "--role", "admin", input="short\n"
    )
    assert result.exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_set_password_ends_sessions(app, make, client):
    user = make.user("trainee")
    client.login(user.email)
    result = run(app, "users", "set-password", user.email.upper(), input="brand-new-pass\n")
    assert result.exit_code == 0, result.output
    assert client.get("/account").status_code == 302
    assert client.login(user.email, "brand-new-pass").status_code == 303
    assert run(app, "users", "set-password", "ghost@example.org", input="x" * 10).exit_code == 1


def test_tokens_create_prints_the_token_alone_on_the_last_line(app, make):
    user = make.user("expert")
    result = run(app, "tokens", "create", user.email, "--name", "laptop")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("elearn_") and " " not in token
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json["email"] == user.email


def test_demo_is_idempotent_and_prints_one_account_per_role(app, client):
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    for role in ("admin", "expert", "trainer", "trainee"):
        assert role in first.output
    assert "relecture.pedagogie@mre-academy.example" in first.output
    again = run(app, "demo")
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Centre)) == 2
        # six accounts, one per role, two reviewers of DMK, nine more trainees in the cohort
        assert db.session.scalar(select(func.count()).select_from(User)) == 8 + 9
    assert client.login("stagiaire.kenitra@mre-academy.example", "demo-elearn").status_code == 303
    assert 'dir="rtl"' in client.get("/").get_data(as_text=True)  # her preference is Arabic


def test_the_demo_trainer_finds_a_cohort_with_a_month_of_history(app, signed_in):
    assert run(app, "demo").exit_code == 0
    trainer = signed_in("formateur.sale@mre-academy.example", "demo-elearn")
    html = trainer.get("/cohorts").get_data(as_text=True)
    cohort_url = re.search(r'href="(/cohorts/\d+)"', html).group(1)
    page = trainer.get(cohort_url).get_data(as_text=True)
    assert page.count('scope="row"') == 10
    assert "cell cell-complete" in page and "cell cell-in_progress" in page
    attention = page.split('id="attention-title"')[1].split("</section>")[0]
    for flag in ("inactive", "failed_last", "exhausted"):
        assert f"flag-{flag}" in attention
    items = trainer.get(cohort_url + "/items").get_data(as_text=True)
    assert re.search(r"<td>\d+</td>", items)  # questions have attempts
    trainee = signed_in("stagiaire01.sale@mre-academy.example", "demo-elearn")
    assert "auto-obd-diagnostics" in trainee.get("/my/learning").get_data(as_text=True)


def test_demo_is_refused_in_production(app):
    app.config["PRODUCTION"] = True
    result = run(app, "demo")
    assert result.exit_code == 1 and "production" in result.output


def test_console_script_is_installed_and_upgrades_a_fresh_database(tmp_path):
    elearn = Path(sys.executable).with_name("elearn")
    env = {
        **os.environ,
        "ELEARN_INSTANCE_DIR": str(tmp_path),
        "ELEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    }
    env.pop("ELEARN_TEST_DATABASE_URL", None)
    result = subprocess.run(
        [str(elearn), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fresh.sqlite3").exists()
    result = subprocess.run(
        [str(elearn), "--help"], env=env, capture_output=True, text=True, timeout=60
    )
    for command in ("db", "users", "tokens", "demo", "run"):
        assert command in result.stdout


def test_run_makes_its_address_the_base_of_links(monkeypatch):
    """``elearn run --host --port`` without ELEARN_BASE_URL: links in e-mails open where
    the development server listens; a configured base URL is kept."""
    import flask.cli
    from click.testing import CliRunner

    from elearn.cli import command_group

    served = []
    monkeypatch.setattr(flask.cli, "run_simple", lambda host, port, app, **kw: served.append(app))
    for environ, expected in (
        ({}, "http://192.0.2.7:8123"),
        ({"ELEARN_BASE_URL": "https://academy.example.org"}, "https://academy.example.org"),
    ):
        unset = {k: v for k, v in os.environ.items() if k != "ELEARN_BASE_URL"}
        monkeypatch.setattr(os, "environ", {**unset, **environ})
        result = CliRunner().invoke(
            command_group(), ["run", "--host", "192.0.2.7", "--port", "8123", "--no-reload"]
        )
        assert result.exit_code == 0, result.output
        assert served[-1].config["BASE_URL"] == expected
