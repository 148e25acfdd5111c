"""Adding trainees to a cohort from the secretariat's list: preview first, then apply.

``plan`` says what would happen to each row without writing anything; ``apply`` does it.
Applying the same list twice changes nothing the second time (idempotent), so a trainer
who is unsure whether the first try went through can simply send it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from elearn.accounts import services as accounts
from elearn.accounts.models import Role, User
from elearn.cohorts.csvimport import MemberRow, ParsedMembers, RowError
from elearn.cohorts.models import Cohort, CohortMember
from elearn.cohorts.services import enrol_members, member_ids
from elearn.core.db import again_if_raced
from elearn.core.text import looks_like_email, normalize_email

NEW, EXISTING, ALREADY, ERROR = "new_account", "existing", "already_member", "error"


@dataclass
class Outcome:
    row: int
    email: str
    name: str
    status: str
    message: object = None


@dataclass
class Report:
    outcomes: list[Outcome]
    added: list[str] = field(default_factory=list)
    already_members: list[str] = field(default_factory=list)
    created_accounts: list[str] = field(default_factory=list)
    #: The accounts created: the caller has their password links e-mailed (a job).
    new_accounts: list[User] = field(default_factory=list)

    @property
    def errors(self) -> list[dict]:
        return [
            {"row": o.row, "email": o.email, "message": str(o.message)}
            for o in self.outcomes
            if o.status == ERROR
        ]


def rows_from_emails(emails: list) -> ParsedMembers:
    """The API's ``{"emails": [...]}``: the same checks as a CSV, rows numbered from 1."""
    rows, errors, seen = [], [], {}
    for index, value in enumerate(emails, start=1):
        email = normalize_email(value if isinstance(value, str) else "")
        if not looks_like_email(email):
            shown = str(value)[:80]
            message = _l("%(value)s is not a valid e-mail address.", value=shown)
            errors.append(RowError(index, "bad_email", message))
        elif email in seen:
            message = _l("%(email)s already appears on row %(row)s.", email=email, row=seen[email])
            errors.append(RowError(index, "duplicate", message))
        else:
            seen[email] = index
            rows.append(MemberRow(index, email, "", None))
    return ParsedMembers(rows=rows, errors=errors, delimiter="")


def _accounts(session, emails: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        found.update(
            (u.email, u) for u in session.scalars(select(User).where(User.email.in_(chunk)))
        )
    return found


def plan(session, actor, cohort: Cohort, parsed: ParsedMembers) -> list[Outcome]:
    """What adding these rows would do, row by row; writes nothing."""
    existing = _accounts(session, [r.email for r in parsed.rows])
    members = set(member_ids(session, cohort))
    outcomes = [Outcome(e.row, "", "", ERROR, e.message) for e in parsed.errors]
    for row in parsed.rows:
        user = existing.get(row.email)
        outcomes.append(_outcome(actor, cohort, row, user, members))
    return sorted(outcomes, key=lambda o: o.row)


def _outcome(actor, cohort: Cohort, row: MemberRow, user: User | None, members) -> Outcome:
    if user is None:
        return Outcome(row.row, row.email, row.name or _default_name(row.email), NEW)
    if user.id in members:  # on the members list the trainer already sees
        return Outcome(row.row, row.email, user.name, ALREADY)
    refusal = _refusal(actor, cohort, user)
    if refusal is not None:
        # what the file said, never the account's own name: it is not the trainer's to see
        return Outcome(row.row, row.email, row.name, ERROR, refusal)
    return Outcome(row.row, row.email, user.name, EXISTING)


def _refusal(actor, cohort: Cohort, user: User):
    """Why this cohort cannot take this account, or None when it can.

    An admin sees every account, so an admin is told the reason. A trainer may see the
    trainees of the cohort's centre and nobody else: "an admin's", "an expert's", "another
    centre's" or "deactivated" would each tell them something about an account that is
    not theirs to know of (its name, its kind), from an e-mail they typed — so every
    refusal reads the same to them.
    """
    trainee = Role.TRAINEE in user.roles
    here = actor.is_admin or user.centre_id == cohort.centre_id
    if trainee and user.active and here:
        return None
    if not actor.is_admin:
        return _l("This e-mail cannot be added to this cohort: ask an administrator.")
    if not trainee:
        return _l("This e-mail belongs to an account that is not a trainee's.")
    return _l("This account is deactivated: reactivate it before adding it to a cohort.")


def _default_name(email: str) -> str:
    """A name to start with when the list has none; the trainee can change it."""
    return email.split("@", 1)[0][:120]


def apply(session, actor, cohort: Cohort, parsed: ParsedMembers, *, now: datetime) -> Report:
    """Add the rows that can be added. Two trainers sending the same list at once get what
    sending it twice gives: the second finds the members the first added."""
    return again_if_raced(session, lambda: _apply(session, actor, cohort, parsed, now=now))


def _apply(session, actor, cohort: Cohort, parsed: ParsedMembers, *, now: datetime) -> Report:
    outcomes = plan(session, actor, cohort, parsed)
    report = Report(outcomes)
    locales = {r.email: r.locale for r in parsed.rows}
    existing = _accounts(session, [o.email for o in outcomes if o.status == EXISTING])
    added_ids = []
    for outcome in outcomes:
        if outcome.status == ALREADY:
            report.already_members.append(outcome.email)
        elif outcome.status == EXISTING:
            added_ids.append(existing[outcome.email].id)
            report.added.append(outcome.email)
        elif outcome.status == NEW:
            user = accounts.create_user(
                session,
                email=outcome.email,
                name=outcome.name,
                roles=[Role.TRAINEE],
                centre=cohort.centre,
                locale=locales.get(outcome.email) or "fr",
            )
            session.flush()  # its id, for its membership
            report.new_accounts.append(user)
            report.created_accounts.append(outcome.email)
            report.added.append(outcome.email)
            added_ids.append(user.id)
    session.add_all(
        CohortMember(cohort_id=cohort.id, user_id=uid, added_at=now) for uid in added_ids
    )
    session.flush()
    enrol_members(session, cohort, added_ids, now=now)
    return report


def remove_member(session, cohort: Cohort, user_id: int) -> bool:
    """Leave the cohort; enrolments and progress stay (they belong to the trainee)."""
    result = session.execute(
        delete(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user_id
        )
    )
    session.flush()
    return bool(result.rowcount)


def without_password(session, cohort: Cohort) -> list[User]:
    """Members who never chose a password (their link may have been lost)."""
    return list(
        session.scalars(
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort.id, User.password_hash.is_(None))
            .order_by(User.name)
        )
    )


def find_member(session, cohort: Cohort, email: str) -> User | None:
    """The member of ``cohort`` with this (normalised) e-mail."""
    return session.scalar(
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, User.email == email)
    )
