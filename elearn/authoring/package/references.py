"""What lessons refer to: media files and other lessons, checked by rendering once, and
texts too costly to render."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from elearn.authoring.package.model import CourseDoc, ModuleDoc
from elearn.authoring.rendering import (
    Links,
    complexity_message,
    has_raw_html,
    render_markdown,
    too_complex,
)
from elearn.core.text import BIDI_CONTROLS
from elearn.media.types import check_media_file

MEDIA_REASONS = {
    "type": _l(
        "media of a type the platform refuses (PNG, JPEG, WebP, GIF, MP4, WebM, MP3, OGG, PDF only)"
    ),
    "size": _l("media file larger than the limit for its type"),
    "content": _l("the file's content does not match its extension"),
}


def check_media_files(check, course: CourseDoc) -> None:
    for path, media in sorted(check.pkg.media.items()):
        if len(path) > 255:
            check.error(path, None, _l("media file name longer than 255 characters"))
            continue
        if any(ord(ch) in BIDI_CONTROLS or ord(ch) < 32 or ord(ch) == 127 for ch in path):
            # "devoir<U+202E>gnp.pdf" shows as "devoirfdp.png", and links to it would break
            # once their controls are stripped: the author renames the file instead
            check.error(
                path,
                None,
                _l("media file name with invisible direction or control characters: rename it"),
            )
            continue
        _media_type, problem = check_media_file(path, media.size, media.head)
        if problem:
            check.error(path, None, MEDIA_REASONS[problem])
            continue
        course.media[path] = media
        if path not in check.referenced_media:
            check.warn(path, None, _l("media file not used by any lesson"))


def render_check(
    check,
    module: ModuleDoc,
    path: str,
    body: str,
    lesson_index: set[tuple[str, str]],
    line_offset: int = 0,
) -> None:
    """Render once to find broken references, and report them at their line."""
    reason = too_complex(body)
    if reason:
        check.error(path, None, complexity_message(reason))
        return
    links = Links(
        media_url=lambda p: "/m/" + p if p in check.pkg.media else None,
        # a link may point to a translation still missing: readers get the fallback
        lesson_url=lambda m, s, lang: "/l" if (m, s) in lesson_index else None,
        module_slug=module.slug,
    )
    render_markdown(body, links)
    for kind, target in links.missing:
        line = _line_of(body, target, line_offset)
        if kind == "media" and target.startswith("media/"):
            check.error(
                path, line, _l("reference to a missing media file: %(target)s", target=target)
            )
        elif kind == "media":
            check.error(
                path,
                line,
                _l("media must be a file under media/, not %(target)s", target=target[:80]),
            )
        elif kind == "outside":
            check.error(
                path,
                line,
                _l(
                    "link that leaves the course folder: %(target)s (link to lessons and "
                    "media of the course, or to a web address)",
                    target=target[:80],
                ),
            )
        else:
            check.error(
                path,
                line,
                _l("link to a lesson file that does not exist: %(target)s", target=target),
            )
    check.referenced_media.update(_MEDIA_REF.findall(body))
    if has_raw_html(body):
        check.warn(
            path, _raw_html_line(body, line_offset), _l("raw HTML will be stripped or sanitised")
        )


_MEDIA_REF = re.compile(r"\]\((?:\./)?(media/[^)\s]+)")


def _line_of(body: str, needle: str, offset: int) -> int | None:
    """The line a reference is written on: as a link's target ``(needle`` or a reference
    definition's ``]: needle`` first, so that "/etc/passwd" is not found inside
    "../../etc/passwd" on an earlier line."""
    for written in (f"({needle}", f"]: {needle}", needle):
        index = body.find(written)
        if index >= 0:
            return body.count("\n", 0, index) + 1 + offset
    return None


def _raw_html_line(body: str, offset: int) -> int | None:
    match = re.search(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?>", body)
    return body.count("\n", 0, match.start()) + 1 + offset if match else None
