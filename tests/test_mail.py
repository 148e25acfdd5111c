"""E-mail through a real SMTP server on a loopback port (aiosmtpd), and what happens when
the server is down: the change is kept and the caller is told how many were not sent."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from elearn.core import mail
from tests.harness import free_port
from tests.mailkit import Inbox, smtp_app


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_messages_reach_a_real_smtp_server_with_arabic_intact(app, smtp_server):
    controller, inbox = smtp_server
    smtp_app(app, controller.port)
    with app.app_context():
        failed = mail.send(
            [
                mail.Mail("fatima@ofppt.example", "حسابك", "مرحبا فاطمة الزهراء\nhttps://x/y"),
                mail.Mail("youssef@ofppt.example", "Votre compte", "Bonjour Youssef"),
            ]
        )
    assert failed == 0
    assert [e.rcpt_tos for e in inbox.envelopes] == [
        ["fatima@ofppt.example"],
        ["youssef@ofppt.example"],
    ]
    import email

    first = email.message_from_bytes(inbox.envelopes[0].content, policy=email.policy.default)
    assert str(first["Subject"]) == "حسابك"
    assert "فاطمة الزهراء" in first.get_content()


def test_a_mail_server_that_is_down_is_reported_not_raised(app):
    smtp_app(app, free_port())  # nothing listens there
    with app.app_context():
        assert mail.send([mail.Mail("a@ofppt.example", "s", "b")]) == 1


def test_smtp_without_a_host_is_refused_at_start():
    from pathlib import Path

    from elearn.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="ELEARN_SMTP_HOST"):
        load_config({"ELEARN_MAIL_BACKEND": "smtp"}, Path("/tmp"))
    with pytest.raises(ConfigError, match="memory"):
        load_config(
            {
                "ELEARN_ENV": "production",
                "ELEARN_SECRET_KEY": "x" * 64,
                "ELEARN_MAIL_BACKEND": "memory",
            },
            Path("/tmp"),
        )


CSV = (
    b"email;nom;langue\r\n"
    b"fatima.zahra@ofppt.example;Fatima Zahra El Amrani;ar\r\n"
    b"youssef.b@ofppt.example;Youssef Benali;fr\r\n"
)


def test_welcome_emails_are_sent_by_a_job_that_waits_out_a_mail_server_down(api, make, app, clock):
    """The trainer's request returns at once; the job retries while the server is down and
    delivers each message, in its recipient's language, once the server is back."""
    import email
    import re

    from elearn.jobs import runner
    from elearn.jobs.models import Job
    from tests.cohortkit import create_cohort, staff

    port = free_port()
    smtp_app(app, port)  # nothing listens there yet
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    added = api.call(
        "POST",
        f"/api/v1/cohorts/{cohort_id}/members",
        token=people.sale_token,
        data=CSV,
        headers={"Content-Type": "text/csv"},
    )
    assert added.status_code == 200 and added.get_json()["emails_not_sent"] == 0
    with app.app_context():
        from elearn.extensions import db

        (job,) = db.session.query(Job).filter_by(kind="mail").all()
        assert job.status == "queued" and "MailError" in job.error  # to be tried again
        assert job.checkpoint == 0 and job.args["items"] and "token" not in str(job.args)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        clock.advance(minutes=5)  # past the back-off: the sweep hands it over again
        runner.sweep(app)
    finally:
        controller.stop()
    with app.app_context():
        job = db.session.get(Job, job.id)
        assert job.status == "done" and job.result == {"sent": 2, "skipped": 0, "total": 2}
    messages = {
        e.rcpt_tos[0]: email.message_from_bytes(e.content, policy=email.policy.default)
        for e in inbox.envelopes
    }
    assert set(messages) == {"fatima.zahra@ofppt.example", "youssef.b@ofppt.example"}
    arabic, french = messages["fatima.zahra@ofppt.example"], messages["youssef.b@ofppt.example"]
    assert "Fatima Zahra El Amrani" in arabic.get_content()
    assert str(french["Subject"]) == "Votre compte MRE Academy"
    assert str(arabic["Subject"]) != str(french["Subject"])  # written in Arabic
    link = re.search(r"/password/setup/\S+", french.get_content()).group(0)
    assert api.client.get(link).status_code == 200  # the link made at sending time works


SETUP_LINK = "https://academy.example.org/account/setup/" + "Zx9-" * 30 + "end"


def test_the_console_prints_the_message_as_people_read_it(app, capsys):
    app.config["MAIL_BACKEND"] = "console"
    body = f"مرحبا فاطمة الزهراء،\nاختاري كلمة المرور من هذا الرابط:\n{SETUP_LINK}\n"
    with app.app_context():
        assert mail.send([mail.Mail("fatima@ofppt.example", "حسابك في الأكاديمية", body)]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines() == [
        "--- e-mail ---",
        f"From: {app.config['MAIL_FROM']}",
        "To: fatima@ofppt.example",
        "Subject: حسابك في الأكاديمية",
        "",
        "مرحبا فاطمة الزهراء،",
        "اختاري كلمة المرور من هذا الرابط:",
        SETUP_LINK,  # whole, on its own line
        "--- end ---",
    ]


def test_the_log_backend_writes_the_decoded_message(app, caplog):
    app.config["MAIL_BACKEND"] = "log"
    with caplog.at_level("INFO", logger="elearn.core.mail"), app.app_context():
        mail.send([mail.Mail("youssef@ofppt.example", "Votre compte", f"Bonjour\n{SETUP_LINK}")])
    (text,) = [r.getMessage() for r in caplog.records if r.name == "elearn.core.mail"]
    assert "Subject: Votre compte" in text
    assert f"\n{SETUP_LINK}\n" in text
