"""Import every domain's models, so the metadata (and Alembic) sees all tables."""

from elearn.accounts.models import (  # noqa: F401
    AccessToken,
    Centre,
    Network,
    SetupLink,
    SignInFailures,
    User,
    UserRole,
)
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
from elearn.cohorts.models import (  # noqa: F401
    Cohort,
    CohortCourse,
    CohortMember,
    CohortTrainer,
    TrainerAction,
)
from elearn.jobs.models import Job  # noqa: F401
from elearn.learning.models import Certificate, Enrolment, LessonCompletion  # noqa: F401
from elearn.media.models import MediaAsset, MediaUpload  # noqa: F401
from elearn.notifications.models import Notification, NotificationSettings  # noqa: F401
from elearn.quizzes.models import AttemptAllowance, QuizAttempt  # noqa: F401
