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
