"""What changed in a course's working copy since its last publication (placeholder: the
changes helper writes the real computation; the lead swaps it in at merge)."""

from __future__ import annotations

from dataclasses import dataclass, field

from elearn.authoring.models import Course


@dataclass
class CourseChanges:
    """Per lesson and language, and per quiz: added, changed or removed."""

    lessons: list = field(default_factory=list)
    quizzes: list = field(default_factory=list)


def course_changes(session, course: Course) -> CourseChanges:
    """Nothing yet: the review page shows the heading only until the real one lands."""
    return CourseChanges()
