"""Write a course (its working copy) back as a package that validates and re-imports.

The .zip is written to a file, its media copied from storage in chunks, so exporting a
course with gigabytes of video holds none of it in memory.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from typing import BinaryIO

from elearn.authoring.models import Course, Lesson, Module
from elearn.authoring.package.yamlio import dump
from elearn.media.models import MediaAsset
from elearn.media.storage import Storage


def course_texts(course: Course) -> dict[str, bytes]:
    """Every YAML and Markdown file of the package (the media are streamed apart)."""
    from sqlalchemy.orm import object_session

    from elearn.authoring.models import LessonContent
    from elearn.authoring.services import load_texts

    texts = load_texts(object_session(course), course, LessonContent.markdown)  # noqa: F841 - kept alive
    files: dict[str, bytes] = {"course.yml": dump(_course_yaml(course)).encode()}
    for module in course.modules:
        if module.archived_at is not None:
            continue
        folder = f"{module.position:02d}-{module.slug}"
        meta = {"title": module.title}
        if module.summary:
            meta["summary"] = module.summary
        files[f"{folder}/module.yml"] = dump(meta).encode()
        for lesson in module.lessons:
            if lesson.archived_at is None:
                files.update(_lesson_files(course, folder, lesson))
        if module.quiz is not None and module.quiz.archived_at is None:
            files[f"{folder}/quiz.yml"] = dump(_quiz_yaml(module)).encode()
    bank = bank_data(course)
    if bank["questions"]:
        files["bank.yml"] = dump(bank).encode()
    return files


def _course_yaml(course: Course) -> dict:
    data = {
        "slug": course.slug,
        "domain": course.domain,
        "network": course.network.code,
        "source_language": course.source_language,
        "languages": course.languages,
        "level": course.level,
        "estimated_hours": _number(course.estimated_hours),
        "title": course.title,
    }
    if course.summary:
        data["summary"] = course.summary
    if course.competencies:
        data["competencies"] = course.competencies
    if course.authors:
        data["authors"] = sorted(a.email for a in course.authors)
    return data


def _lesson_files(course: Course, folder: str, lesson: Lesson) -> dict[str, bytes]:
    out = {}
    for content in lesson.contents:
        front: dict = {"title": content.title}
        if content.lang == course.source_language:
            if lesson.duration_minutes:
                front["duration_minutes"] = lesson.duration_minutes
            front["kind"] = lesson.kind
            if lesson.competencies:
                front["competencies"] = lesson.competencies
        if content.lang in lesson.equipment:
            front["equipment"] = lesson.equipment[content.lang]
        if content.lang in lesson.safety:
            front["safety"] = lesson.safety[content.lang]
        text = f"---\n{dump(front)}---\n\n{content.markdown}"
        out[f"{folder}/{lesson.position:02d}-{lesson.slug}.{content.lang}.md"] = text.encode()
    return out


def quiz_data(module: Module) -> dict:
    """The module's working quiz in the package's fields: what quiz.yml holds, what
    ``PUT …/quiz`` takes and returns, what the Studio's forms start from."""
    return _quiz_yaml(module)


def bank_data(course: Course) -> dict:
    """The course's question bank as bank.yml holds it."""
    bank = course.bank
    questions = [] if bank is None else [q for q in bank.questions if q.archived_at is None]
    return {"questions": [_question_yaml(q.spec) for q in questions]}


def _quiz_yaml(module: Module) -> dict:
    quiz = module.quiz
    data: dict = {
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
        "max_attempts": quiz.max_attempts,
    }
    if quiz.time_limit_minutes:
        data["time_limit_minutes"] = quiz.time_limit_minutes
    data["shuffle"] = quiz.shuffle
    if quiz.draw:
        data["draw"] = quiz.draw
    data["questions"] = [_question_yaml(q.spec) for q in quiz.questions if q.archived_at is None]
    return data


def _question_yaml(spec: dict) -> dict:
    out: dict = {"id": spec["id"], "type": spec["type"]}
    if spec.get("points", 1) != 1:
        out["points"] = _number(spec["points"])
    if spec.get("competencies"):
        out["competencies"] = spec["competencies"]
    if spec.get("tags"):
        out["tags"] = spec["tags"]
    out["prompt"] = spec["prompt"]
    if spec.get("choices"):
        out["choices"] = []
        for choice in spec["choices"]:
            item = {"id": choice["id"], "text": choice["text"]}
            if choice.get("correct"):
                item["correct"] = True
            if choice.get("feedback"):
                item["feedback"] = choice["feedback"]
            out["choices"].append(item)
    for key in ("pairs", "items"):
        if spec.get(key):
            out[key] = spec[key]
    for key in ("answer", "tolerance", "accept", "feedback"):
        if key in spec and not (key == "tolerance" and not spec[key]):
            out[key] = spec[key]
    return out


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def write_zip(session, course: Course, storage: Storage, out: BinaryIO) -> None:
    """Write the course as a package .zip into ``out`` (the one export used by the API, the
    Studio and the CLI). Media are stored as they are (they are compressed already), each
    copied from storage a chunk at a time."""
    from sqlalchemy import select

    assets = session.scalars(
        select(MediaAsset)
        .where(MediaAsset.course_id == course.id, MediaAsset.removed_at.is_(None))
        .order_by(MediaAsset.path)
    ).all()
    texts = course_texts(course)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(texts):
            archive.writestr(f"{course.slug}/{path}", texts[path])
        for asset in assets:
            info = zipfile.ZipInfo(f"{course.slug}/{asset.path}", asset.created_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = asset.size  # lets zipfile choose ZIP64 for a large video
            with storage.open_stream(asset.key) as source, archive.open(info, "w") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)


def course_zip_file(session, course: Course, storage: Storage) -> BinaryIO:
    """The package .zip in an anonymous temporary file, rewound: it disappears from the
    disk when closed (a response closes it once sent)."""
    out = tempfile.TemporaryFile(prefix="elearn-export-")
    try:
        write_zip(session, course, storage, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out
