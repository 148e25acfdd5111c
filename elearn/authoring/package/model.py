"""The package as data: what the validator builds and the importer and exporter speak."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from elearn.authoring.package.files import MediaFile


_CONTROLS = {n: f"\\x{n:02x}" for n in [*range(32), 127]} | {10: "\\n", 13: "\\r", 9: "\\t"}


def printable(text: str) -> str:
    """Control characters written out (``\\n``, ``\\x00``), so what a package named
    cannot break or hide in a message."""
    return text.translate(_CONTROLS)


@dataclass(frozen=True)
class Issue:
    path: str
    line: int | None
    message: str
    level: str = "error"
    #: Where in the document, as the Studio's forms and the quiz API name it
    #: (``questions[2].prompt.ar``); None where only the line says it.
    field: str | None = None

    @classmethod
    def error(cls, path: str, line: int | None, message: str, field: str | None = None) -> Issue:
        return cls(path, line, message, "error", field)

    @classmethod
    def warning(cls, path: str, line: int | None, message: str, field: str | None = None) -> Issue:
        return cls(path, line, message, "warning", field)

    def __str__(self) -> str:
        """One line, as the CLI prints it: a newline in a name is shown as ``\\n``."""
        prefix = "" if self.level == "error" else "warning: "
        return printable(f"{self.path}:{self.line or 1}: {prefix}{self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line or 1, "message": self.message}


@dataclass
class LessonDoc:
    slug: str
    position: int
    folder_prefix: str  # "01-" as written, kept for export
    kind: str = "theory"
    duration_minutes: int | None = None
    competencies: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)
    equipment: dict[str, list[str]] = field(default_factory=dict)
    safety: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    #: Lines before the body in each file (front matter), to report body lines correctly.
    body_offsets: dict[str, int] = field(default_factory=dict)


@dataclass
class QuizDoc:
    title: dict[str, str]
    pass_mark: int = 70
    max_attempts: int = 0
    time_limit_minutes: int | None = None
    shuffle: bool = False
    questions: list[dict] = field(default_factory=list)
    #: ``[{"tag": "brakes", "count": 2}]``: per attempt, that many questions of the course's
    #: bank carrying the tag, drawn at random, after the quiz's own questions.
    draw: list[dict] = field(default_factory=list)


@dataclass
class BankDoc:
    """The course's question bank (``bank.yml``): questions quizzes draw from by tag."""

    questions: list[dict] = field(default_factory=list)


@dataclass
class ModuleDoc:
    slug: str
    position: int
    folder: str
    title: dict[str, str] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)
    lessons: list[LessonDoc] = field(default_factory=list)
    quiz: QuizDoc | None = None


@dataclass
class CourseDoc:
    slug: str
    domain: str = ""
    network: str = ""
    source_language: str = "fr"
    languages: list[str] = field(default_factory=list)
    level: str = "beginner"
    estimated_hours: float = 1
    title: dict[str, str] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)
    competencies: list[dict] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    modules: list[ModuleDoc] = field(default_factory=list)
    bank: BankDoc | None = None
    #: Accepted media by package path; their bytes stay on disk until the import stores them.
    media: dict[str, MediaFile] = field(default_factory=dict)


@dataclass
class Report:
    course: CourseDoc | None
    issues: list[Issue]
    #: (module, lesson, language) → HTML, when rendered ahead of the import.
    rendered: dict[tuple[str, str, str], str] | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors
