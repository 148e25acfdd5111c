"""The stable address of a course's media file, written into rendered lessons and API
answers alike; it must never change (learning/media_views.py answers it)."""

from __future__ import annotations

from urllib.parse import quote


def media_url(course_slug: str, path: str) -> str:
    """``media/obd.jpg`` → ``/courses/<slug>/media/obd.jpg``."""
    return f"/courses/{course_slug}/{quote(path)}"
