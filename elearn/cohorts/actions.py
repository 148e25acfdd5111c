"""What a trainer does for one trainee of a cohort, each recorded with who, when and why.

Grant one more attempt at a quiz, reopen a failed module, send a message, add one trainee
without a CSV, remove one from the cohort. The attempt budget is the quizzes package's
(``quizzes.services.attempt_limit``); adding goes through the CSV import's own service
(``cohorts.members.apply``) so one trainee meets the same rules and gets the same welcome
e-mail as a list. Every action writes a :class:`TrainerAction`, which the trainee's
timeline shows.

Sending the same form twice (a double click) or retrying an API call with the same
``Idempotency-Key`` acts once: the token is unique per trainer, the second request finds
the first's record and answers with it (:class:`Done` with ``replayed``).

Plain functions over an explicit session; they flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from elearn.accounts.models import User
from elearn.accounts.welcome import send_links
from elearn.authoring import published
from elearn.authoring.models import Course, Module, Quiz
from elearn.authoring.published import PublishedModule
from elearn.cohorts import members
from elearn.cohorts.csvimport import MemberRow, ParsedMembers
from elearn.cohorts.models import ActionKind, Cohort, CohortMember, TrainerAction
from elearn.cohorts.services import CohortError
from elearn.core.errors import is_unique_violation, refuse_unfit
from elearn.core.text import clean_text, looks_like_email, normalize_email
from elearn.core.urls import path_for
from elearn.i18n.languages import INTERFACE_LANGUAGES
from elearn.jobs.queue import Queue
from elearn.notifications import services as notifications
from elearn.quizzes import results as quiz_results
from elearn.quizzes import services as quizzes

REASON_MAX = 200
MESSAGE_MAX = 1000
TOKEN_MAX = 64
NAME_MAX = 120
#: Actions that must say why. Not the extra attempt: the HTTP API's contract
#: (shared/spec/api.md) gives its body as ``{module}`` (plus ``course``), so a client
#: following it must not get a 422; the page's form still asks for a reason.
REASON_REQUIRED = {ActionKind.REOPEN, ActionKind.REMOVE}


@dataclass
class Done:
    action: TrainerAction
    #: True when this request repeated one already done (same token): nothing was redone.
    replayed: bool = False
    #: Attempts left after an extra attempt or a reopening (None: unlimited or n/a).
    attempts_left: int | None = None
    #: Adding: whether an account was created (its welcome e-mail is on its way).
    created_account: bool = False
    extra: dict = field(default_factory=dict)


# -- checks ---------------------------------------------------------------------------------


def clean_reason(kind: str, value: str | None) -> str | None:
    refuse_unfit(value or "", "reason")
    reason = clean_text(value)
    if len(reason) > REASON_MAX:
        raise CohortError(
            _l("Keep the reason short: %(max)s characters at most.", max=REASON_MAX),
            field="reason",
        )
    if not reason and kind in REASON_REQUIRED:
        raise CohortError(
            _l("Say why in a few words: the reason is kept with the action."), field="reason"
        )
    return reason or None


def clean_message(value: str | None) -> str:
    """Plain text: each line cleaned like any text, at most one empty line in a row."""
    refuse_unfit(value or "", "text")
    lines = [clean_text(line) for line in (value or "").replace("\r\n", "\n").split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    text = "\n".join(kept).strip()
    if not text:
        raise CohortError(_l("Write the message to send."), field="text")
    if len(text) > MESSAGE_MAX:
        raise CohortError(
            _l(
                "The message is too long: %(max)s characters at most (it has %(count)s).",
                max=MESSAGE_MAX,
                count=len(text),
            ),
            field="text",
        )
    return text


def _token(value: str | None) -> str | None:
    token = (value or "").strip()
    if not token:
        return None
    if len(token) > TOKEN_MAX or not token.isascii() or not token.isprintable():
        raise CohortError(
            _l("The idempotency key must be up to 64 printable ASCII characters."),
            field="token",
        )
    return token


def member_or_refuse(session, cohort: Cohort, user_id: int) -> User:
    """The member, or a 404 that says nothing of anyone outside the cohort."""
    found = session.scalar(
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.user_id == user_id)
    )
    if found is None:
        raise CohortError(_l("This person is not a member of this cohort."), status=404)
    return found


def quiz_modules(session, cohort: Cohort) -> list[tuple[Course, PublishedModule]]:
    """The published modules with a quiz of the cohort's live courses, by course slug and
    module order (the outlines come from this worker's memory when it built them)."""
    courses = session.scalars(
        select(Course).where(Course.id.in_(cohort.course_ids)).order_by(Course.slug)
    ).all()
    live = [c for c in courses if c.is_live]
    outlines = published.outlines(session, live)
    return [
        (course, module)
        for course in live
        for module in outlines[course.id].modules
        if module.quiz_id is not None
    ]


def target(
    session, cohort: Cohort, module: str, course: str | None = None
) -> tuple[Course, PublishedModule, Quiz]:
    """The module (and its quiz) named by slug among the cohort's courses; ``course`` is
    needed only when two of them have a module of that name."""
    found = [
        (c, m)
        for c, m in quiz_modules(session, cohort)
        if m.slug == module and (not course or c.slug == course)
    ]
    if not found:
        raise CohortError(
            _l(
                "No module with a quiz is called %(module)s in this cohort's courses.",
                module=module,
            ),
            field="module",
        )
    if len(found) > 1:
        raise CohortError(
            _l("Several courses of this cohort have this module: name the course too."),
            field="course",
        )
    course_, module_ = found[0]
    return course_, module_, session.get(Quiz, module_.quiz_id)


@dataclass
class Budget:
    """Where one trainee stands with one module's quiz, for the trainer's forms."""

    course: Course
    module: PublishedModule
    used: int
    left: int | None
    passed: bool
    failed: bool

    @property
    def value(self) -> str:
        """How the page's forms name the module: ``course/module``."""
        return f"{self.course.slug}/{self.module.slug}"


def budgets(session, cohort: Cohort, user_id: int) -> list[Budget]:
    """Per quiz of the cohort's courses: attempts used and left, passed, failed — two
    queries whatever the number of quizzes."""
    entries = quiz_modules(session, cohort)
    ids = [m.quiz_id for _c, m in entries]
    results = quiz_results.of(session, [user_id], ids)
    allowed = quizzes.allowances(session, [user_id], ids)
    out = []
    for course, module in entries:
        result = results.get((user_id, module.quiz_id))
        used = result.attempts_used if result else 0
        passed = bool(result and result.passed)
        max_attempts = (module.quiz or {}).get("max_attempts") or 0
        allowance = allowed.get((user_id, module.quiz_id))
        left = quizzes.attempts_left(max_attempts, used, allowance)
        failed = quizzes.is_exhausted(max_attempts, used, passed, allowance)
        out.append(Budget(course, module, used, left, passed, failed))
    return out


# -- recording ------------------------------------------------------------------------------


def _earlier(session, actor: User, token: str | None) -> TrainerAction | None:
    if token is None:
        return None
    return session.scalar(
        select(TrainerAction).where(
            TrainerAction.actor_id == actor.id, TrainerAction.token == token
        )
    )


def _record(session, action: TrainerAction) -> TrainerAction | None:
    """Insert the record; None when a concurrent request with the same token got there
    first (its row is then the answer)."""
    try:
        with session.begin_nested():
            session.add(action)
            session.flush()
    except IntegrityError as exc:
        if not is_unique_violation(exc) or action.token is None:
            raise
        return None
    return action


def _act(session, actor: User, action: TrainerAction, work) -> Done:
    """Record ``action`` then do ``work(action)`` (which returns the ``Done``); the same
    token a second time answers with the first record, doing nothing."""
    earlier = _earlier(session, actor, action.token)
    if earlier is not None:
        return Done(earlier, replayed=True)
    if _record(session, action) is None:
        return Done(_earlier(session, actor, action.token), replayed=True)
    return work(action)


def _new(cohort, trainee_id, actor, kind, *, now, reason, token, **values) -> TrainerAction:
    return TrainerAction(
        cohort_id=cohort.id,
        user_id=trainee_id,
        actor_id=actor.id,
        kind=kind,
        at=now,
        reason=reason,
        token=token,
        **values,
    )


# -- the actions ----------------------------------------------------------------------------


def grant_extra_attempt(
    session,
    actor: User,
    cohort: Cohort,
    trainee_id: int,
    *,
    module: str,
    course: str | None = None,
    reason: str | None,
    token: str | None = None,
    now: datetime,
) -> Done:
    """One more attempt at the module's quiz for this trainee."""
    return _quiz_action(
        session, actor, cohort, trainee_id, ActionKind.EXTRA_ATTEMPT, quizzes.grant_attempt,
        module=module, course=course, reason=reason, token=token, now=now,
    )  # fmt: skip


def reopen_module(
    session,
    actor: User,
    cohort: Cohort,
    trainee_id: int,
    *,
    module: str,
    course: str | None = None,
    reason: str | None,
    token: str | None = None,
    now: datetime,
) -> Done:
    """A failed module (quiz not passed, no attempt left) gets a fresh attempt budget."""
    return _quiz_action(
        session, actor, cohort, trainee_id, ActionKind.REOPEN, quizzes.reopen,
        module=module, course=course, reason=reason, token=token, now=now,
    )  # fmt: skip


def _quiz_action(
    session, actor, cohort, trainee_id, kind, step, *, module, course, reason, token, now
) -> Done:
    """What an extra attempt and a reopening share: the member, the reason, the module's
    quiz, the record; ``step`` (a quizzes service) changes the attempt budget."""
    member_or_refuse(session, cohort, trainee_id)
    token, why = _token(token), clean_reason(kind, reason)
    found_course, found_module, quiz = target(session, cohort, module, course)
    action = _new(
        cohort,
        trainee_id,
        actor,
        kind,
        now=now,
        reason=why,
        token=token,
        course_id=found_course.id,
        module_id=found_module.id,
    )

    def work(recorded: TrainerAction) -> Done:
        return Done(recorded, attempts_left=step(session, trainee_id, quiz, now=now))

    return _act(session, actor, action, work)


def send_message(
    session,
    queue: Queue | None,
    actor: User,
    cohort: Cohort,
    trainee_id: int,
    *,
    text: str | None,
    reason: str | None = None,
    token: str | None = None,
    now: datetime,
) -> Done:
    """A notification to the trainee, e-mailed as their notification settings say (at
    once unless they chose the daily digest or no e-mail)."""
    member_or_refuse(session, cohort, trainee_id)
    token, why, body = _token(token), clean_reason(ActionKind.MESSAGE, reason), clean_message(text)
    action = _new(
        cohort,
        trainee_id,
        actor,
        ActionKind.MESSAGE,
        now=now,
        reason=why,
        token=token,
        message=body,
    )

    def work(recorded: TrainerAction) -> Done:
        told = notifications.notify(
            session,
            queue,
            "trainer_message",
            [trainee_id],
            params={"by": actor.name, "cohort": cohort.name, "text": body},
            url=path_for("learning.my_learning"),
            now=now,
            key=f"trainer_message:{recorded.id}",
        )
        return Done(recorded, extra={"notified": told})

    return _act(session, actor, action, work)


def add_trainee(
    session,
    queue: Queue,
    actor: User,
    cohort: Cohort,
    *,
    email: str | None,
    name: str | None,
    locale: str | None,
    reason: str | None = None,
    token: str | None = None,
    now: datetime,
) -> Done:
    """One trainee, as one row of the secretariat's CSV: an account is made when the
    e-mail has none (and its link to choose a password e-mailed), the same refusals apply."""
    token, why = _token(token), clean_reason(ActionKind.ADD, reason)
    earlier = _earlier(session, actor, token)
    if earlier is not None:
        return Done(earlier, replayed=True)
    row = _one_row(email, name, locale)
    report = members.apply(
        session, actor, cohort, ParsedMembers(rows=[row], errors=[], delimiter=""), now=now
    )
    if report.errors:
        raise CohortError(report.errors[0]["message"], field="email")
    if report.already_members:
        raise CohortError(
            _l("%(email)s is already a member of this cohort.", email=row.email),
            field="email",
            status=409,
        )
    added = members.find_member(session, cohort, row.email)
    action = _new(cohort, added.id, actor, ActionKind.ADD, now=now, reason=why, token=token)
    if _record(session, action) is None:
        raise CohortError(_l("This form was already sent."), status=409)
    send_links(session, queue, report.new_accounts, now=now, owner_id=actor.id)
    return Done(action, created_account=bool(report.new_accounts))


def _one_row(email: str | None, name: str | None, locale: str | None) -> MemberRow:
    refuse_unfit({"email": email or "", "name": name or ""})
    address = normalize_email(email)
    if not looks_like_email(address):
        raise CohortError(_l("Enter a valid e-mail address."), field="email")
    cleaned = clean_text(name)
    if not cleaned:
        raise CohortError(_l("Give the trainee's name."), field="name")
    if len(cleaned) > NAME_MAX:
        raise CohortError(
            _l("The name is too long: %(max)s characters at most.", max=NAME_MAX), field="name"
        )
    if locale not in INTERFACE_LANGUAGES:
        raise CohortError(_l("Choose the trainee's language: fr or ar."), field="locale")
    return MemberRow(1, address, cleaned, locale)


def remove_trainee(
    session,
    actor: User,
    cohort: Cohort,
    trainee_id: int,
    *,
    reason: str | None,
    token: str | None = None,
    now: datetime,
) -> Done:
    """Off the cohort; enrolments, progress and this record stay."""
    token = _token(token)
    earlier = _earlier(session, actor, token)
    if earlier is not None:
        return Done(earlier, replayed=True)
    member_or_refuse(session, cohort, trainee_id)
    why = clean_reason(ActionKind.REMOVE, reason)
    action = _new(cohort, trainee_id, actor, ActionKind.REMOVE, now=now, reason=why, token=token)

    def work(recorded: TrainerAction) -> Done:
        members.remove_member(session, cohort, trainee_id)
        return Done(recorded)

    return _act(session, actor, action, work)


# -- reading --------------------------------------------------------------------------------


def history(session, cohort: Cohort, user_id: int) -> list[dict]:
    """The actions for this trainee in this cohort, newest first, with who did them and
    the module they concern: one query."""
    rows = session.execute(
        select(TrainerAction, User.name, Module.slug, Module.published, Module.title)
        .add_columns(Course.slug)
        .outerjoin(User, User.id == TrainerAction.actor_id)
        .outerjoin(Module, Module.id == TrainerAction.module_id)
        .outerjoin(Course, Course.id == TrainerAction.course_id)
        .where(TrainerAction.cohort_id == cohort.id, TrainerAction.user_id == user_id)
        .order_by(TrainerAction.at.desc(), TrainerAction.id.desc())
    ).all()
    return [
        {
            "kind": "action",
            "at": action.at,
            "course_id": action.course_id,
            "action": action,
            "by": by,
            "module": module,
            "course": course,
            "module_title": (snapshot or {}).get("title") or title or {},
        }
        for action, by, module, snapshot, title, course in rows
    ]
