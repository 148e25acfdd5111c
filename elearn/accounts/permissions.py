"""Who may reach a view: one decorator for pages and API alike."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from elearn.extensions import login_manager


def roles_required(*roles: str, refused: int = 403):
    """Anonymous → sign in (401 on the API); signed in without the role → 403, or
    ``refused`` where even a refusal would say too much (cohorts answer 404)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(refused)
            return view(*args, **kwargs)

        return wrapped

    return decorator
