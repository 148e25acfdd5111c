"""The stable lesson URLs written into rendered HTML (rendered once, so they must never
change; a media file's is ``elearn.media.urls.media_url``).

Per-request decisions — may this person see it, which signed URL to hand out — happen when
these URLs are requested, not when the lesson is rendered.
"""

from __future__ import annotations


def lesson_url(course_slug: str, module_slug: str, lesson_slug: str, lang: str | None = None):
    url = f"/courses/{course_slug}/modules/{module_slug}/lessons/{lesson_slug}"
    return f"{url}?lang={lang}" if lang else url
