"""What a signed-in person's home shows besides the account cards: panels that higher
domains hand over (learning: continue, courses in progress, assigned, published lately).

Accounts sits below them and never imports them; the app's wiring registers each panel
(``elearn._connect_domains``). A panel is ``provider(session, user, now=...)`` returning the
template to include and its context, or None when it has nothing for this person.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Panel = Callable[..., dict | None]
_panels: dict[str, Panel] = {}


def show_on_home(name: str, provider: Panel) -> None:
    """Register a panel (idempotent: one slot per name, kept in registration order)."""
    _panels[name] = provider


def panels(session, user, *, now: datetime) -> list[dict]:
    """Each registered panel's ``{"template": ..., **context}`` for ``user``."""
    if user is None or not user.is_authenticated:
        return []
    found = (provider(session, user, now=now) for provider in _panels.values())
    return [panel for panel in found if panel]
