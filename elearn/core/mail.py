"""Sending e-mail through a pluggable backend chosen by ``ELEARN_MAIL_BACKEND``.

``console`` (default) prints messages, ``log`` writes them to the application log (both
fine on a laptop, and how a centre without a mail server can still read the links),
``smtp`` talks to a real server, ``memory`` keeps them in ``app.extensions`` for demos and
tests. Sending never raises into a request: a mail server that is down is reported back
to the caller as "not sent", so the change that triggered the message is kept.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

log = logging.getLogger(__name__)
BACKENDS = ("console", "log", "smtp", "memory")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    message.set_content(mail.body)  # UTF-8, so Arabic names travel intact
    return message


def readable(message: EmailMessage) -> str:
    """The message as a person reads it — sender, recipient, subject and body decoded, a
    link whole on its line — rather than its MIME form (quoted-printable cuts long lines
    and base64 hides Arabic)."""
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return (
        "--- e-mail ---\n"
        f"From: {message['From']}\nTo: {message['To']}\nSubject: {message['Subject']}\n\n"
        f"{text.rstrip()}\n"
        "--- end ---"
    )


def _send_smtp(config, messages: list[EmailMessage]) -> None:
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    timeout = config["SMTP_TIMEOUT"]
    if config["SMTP_SSL"]:
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
            server.starttls(context=ssl.create_default_context())
        if config["SMTP_USER"]:
            server.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        for message in messages:
            server.send_message(message)


class MailError(RuntimeError):
    """The mail server could not be reached or refused: a job tries again later."""


def deliver(mails: list[Mail]) -> None:
    """Send the messages (one connection for all); raise MailError if the server is down
    or refuses. What jobs call: their retry is the answer to a server that is down."""
    if mails and send(mails):
        raise MailError(f"The mail server {current_app.config['SMTP_HOST']} refused or is down")


def send(mails: list[Mail]) -> int:
    """Send the messages; return how many could not be sent (0 when all went)."""
    if not mails:
        return 0
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    messages = [_message(m, config["MAIL_FROM"]) for m in mails]
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).extend(messages)
    elif backend == "smtp":
        try:
            _send_smtp(config, messages)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("Mail server %s unreachable or refusing: %s", config["SMTP_HOST"], exc)
            return len(messages)
    else:
        for message in messages:
            text = readable(message)
            if backend == "log":
                log.info("%s", text)
            else:
                print(text, file=sys.stdout, flush=True)
    return 0
