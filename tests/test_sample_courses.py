"""The five sample courses: what visitors see first must be flawless."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml

from elearn.authoring.package.files import read_package, read_zip
from elearn.authoring.package.quizcheck import TYPES
from elearn.authoring.package.validate import validate_package

COURSES = sorted(
    p for p in (Path(__file__).parent.parent / "courses").iterdir() if (p / "course.yml").is_file()
)
NETWORKS = {"DMK", "AEROMAC", "C3M", "AMCN", "ACOMS"}


def test_one_sample_course_per_network_and_domain():
    metas = [yaml.safe_load((p / "course.yml").read_text()) for p in COURSES]
    assert sorted(m["network"] for m in metas) == sorted(NETWORKS)
    assert sorted(m["domain"] for m in metas) == sorted(
        ["automotive", "aeronautics", "health", "ai", "elearning"]
    )


@pytest.mark.parametrize("path", COURSES, ids=lambda p: p.name)
def test_sample_validates_with_no_error_and_no_warning(path):
    report = validate_package(read_package(path), networks=NETWORKS)
    assert [str(i) for i in report.issues] == []
    course = report.course
    lessons = [lesson for m in course.modules for lesson in m.lessons]
    assert len(course.modules) >= 2 and len(lessons) >= 4
    assert any(lesson.kind == "practical" for lesson in lessons)
    assert all(m.quiz is not None for m in course.modules)
    assert course.competencies and course.media
    assert all(set(lesson.bodies) == {"fr", "ar"} for lesson in lessons)


def test_every_question_type_is_used_across_the_samples():
    types, drawn = set(), 0
    for path in COURSES:
        course = validate_package(read_package(path), networks=NETWORKS).course
        types |= {q["type"] for m in course.modules for q in m.quiz.questions}
        drawn += sum(row["count"] for m in course.modules for row in m.quiz.draw)
    assert types == set(TYPES)  # all seven, matching and ordering included
    assert drawn >= 2  # and a quiz that draws from a course's question bank


def test_demo_imports_all_samples_and_they_export_back_the_same(app, api, make):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    token = make.token(make.user("admin").email)
    listed = api.get("/api/v1/courses?per_page=50", token=token).get_json()
    assert sorted(c["slug"] for c in listed["items"]) == sorted(p.name for p in COURSES)
    assert all(c["status"] == "published" for c in listed["items"])
    for path in COURSES:
        exported = api.get(f"/api/v1/courses/{path.name}/export", token=token)
        report = validate_package(read_zip(exported.data), networks=NETWORKS)
        assert [str(i) for i in report.issues] == [], path.name
        original = read_package(path)
        with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
            names = {n.split("/", 1)[1] for n in archive.namelist()}
            assert names == set(original.files) | set(original.media), path.name
            for name in names:
                if name.endswith(".md"):
                    body = archive.read(f"{path.name}/{name}").decode().split("\n---\n", 1)[1]
                    source = original.files[name].decode().split("\n---\n", 1)[1]
                    assert body.strip() == source.strip(), name
                elif name.startswith("media/"):
                    media = original.media[name].path.read_bytes()
                    assert archive.read(f"{path.name}/{name}") == media
