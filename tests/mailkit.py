"""A real SMTP server on a loopback port (aiosmtpd) and an app that sends to it."""

from __future__ import annotations


class Inbox:
    """What the SMTP server received (aiosmtpd handler)."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"


def smtp_app(app, port):
    """Make ``app`` send through the SMTP server on ``port``."""
    app.config.update(
        MAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_STARTTLS=False,
        SMTP_TIMEOUT=3,
        MAIL_FROM="MRE Academy <no-reply@mre-academy.example>",
    )
