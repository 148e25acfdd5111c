"""Who may reach a view: one decorator for pages and API alike."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from elearn.extensions import login_manager


def roles_required(*roles: str):
    """Anonymous → sign in (401 on the API); signed in without the role → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
