"""The stable lesson URLs written into rendered HTML (rendered once, so they must never
change; a media file's is ``elearn.media.urls.media_url``).

Per-request decisions — may this person see it, which signed URL to hand out — happen when
these URLs are requested, not when the lesson is rendered.
"""

from __future__ import annotations


def lesson_url(course_slug: str, module_slug: str, lesson_slug: str, lang: str | None = None):
    """A link written to ``…/01-lesson.ar.md`` opens that lesson's Arabic text: a content
    language (``?content=``), never the reader's interface. Lessons rendered before this
    carry ``?lang=``, which still works, as the interface switch it is."""
    url = f"/courses/{course_slug}/modules/{module_slug}/lessons/{lesson_slug}"
    return f"{url}?content={lang}" if lang else url
