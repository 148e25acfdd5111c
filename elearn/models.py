"""Import every domain's models, so the metadata (and Alembic) sees all tables."""

from elearn.accounts.models import AccessToken, Centre, Network, User, UserRole  # noqa: F401
from elearn.authoring.models import (  # noqa: F401
    Course,
    CourseAuthor,
    CourseEvent,
    Lesson,
    LessonContent,
    LessonRevision,
    Module,
    Question,
    Quiz,
)
from elearn.learning.models import Enrolment  # noqa: F401, E402
from elearn.media.models import MediaAsset, MediaUpload  # noqa: F401
