"""The signed session cookie, re-signed when it changes or once an hour, not on every
response.

Flask re-signs a permanent session's cookie on every response so that its expiry slides.
That is a JSON dump, zlib, an HMAC and a ``Set-Cookie`` header on every page a trainee
reads — a measurable share of the lesson page (docs/performance.md). Refreshing it once an
hour keeps the sliding expiry (days) and costs nothing in between.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from elearn.core import clock

#: How old a cookie may be before a response signs it again.
REFRESH_AFTER = timedelta(hours=1)


class Session(SecureCookieSession):
    #: When the cookie this session came from was signed (None: a new session).
    signed_at: datetime | None = None


class SessionInterface(SecureCookieSessionInterface):
    session_class = Session

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or clock.now() - signed_at >= REFRESH_AFTER
