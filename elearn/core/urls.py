"""Absolute addresses for people outside the request: e-mailed links, printed certificates.

Flask's ``url_for(..., _external=True)`` takes the host from the request, that is from the
``Host`` (or, behind a proxy, ``X-Forwarded-Host``) header its sender chose: a password
link built that way and mailed to a trainee points wherever the attacker asked. These
addresses start from ``ELEARN_BASE_URL`` instead, the one the operator configured.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` (its full name, e.g. ``accounts.setup_password``)
    under the configured public base URL; works with or without a request."""
    base = urlsplit(current_app.config["BASE_URL"])
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def path_for(endpoint: str, **values) -> str:
    """The path of ``endpoint`` on this platform (no host), with or without a request:
    what a notification stores, joined to ``ELEARN_BASE_URL`` when e-mailed and to the
    request's script root on a page."""
    current_app.inject_url_defaults(endpoint, values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute(path: str) -> str:
    """A path of this platform (``path_for``) as the address an e-mail carries."""
    return current_app.config["BASE_URL"].rstrip("/") + "/" + path.lstrip("/")
