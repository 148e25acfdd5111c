"""Check-then-insert races: two requests at the same instant, where one at a time would get
"created" then "already exists" (or "already a member").

Found by the outside review (issue 13): on PostgreSQL the loser of such a race answered 500
(the data stayed consistent, thanks to the unique constraints): parallel adds of the same
new member, parallel centre creation, parallel Studio add-module, parallel user creation
with one e-mail. SQLite cannot race — writers queue behind ``BEGIN IMMEDIATE`` — so these
run on PostgreSQL only (CI sets ``ELEARN_TEST_DATABASE_URL``).

The mechanism: ``core.db.again_if_raced`` runs a service's check-and-insert in a savepoint
and, when a unique constraint refuses the insert, once more; the check then sees the
winner's row, so **the loser answers exactly what a request made a moment later gets**.
``RaceGate`` makes the race certain rather than likely: each request is held at its first
INSERT into the table until both have checked and are about to insert.

Writers of one course take its row first (``authoring.services.lock``, for publication
to publish exactly what was reviewed): two Studio requests on one course queue instead of
racing, and the second answers like a request made a moment later; the gate records that
they queued (``queued=True``), and ``again_if_raced`` stays behind as the second line.

- The four of the review: ``test_two_accounts_with_one_email_at_once``,
  ``test_the_same_new_member_added_twice_at_once``, ``test_the_same_centre_created_twice_at_once``
  (and networks), ``test_the_same_module_added_twice_at_once_in_the_studio``.
- The same class elsewhere: ``test_the_same_course_or_lesson_created_twice_at_once``,
  ``test_the_same_new_course_imported_twice_at_once``,
  ``test_the_first_translation_saved_twice_at_once``, ``test_a_cohort_saved_twice_at_once``.
- An update racing on a unique key: ``test_two_accounts_confirming_one_new_address_at_once``
  (two e-mail changes to one address, confirmed together: accounts.email_change).
- Every unique key of the schema is accounted for: ``test_every_unique_key_is_classified``
  maps each one to the test that races it, or says why no request can race on it (random
  keys, rows written with a parent created in the same transaction, or a service that
  already retries); a new constraint fails it until it is classified. A race no service
  retries still gets a 409 "reload and try again" (``core.errors.handle_integrity_error``),
  never a 500: ``test_a_race_nobody_retries_is_a_409``.
- The trainer's actions (issue 17): ``test_one_form_token_sent_twice_at_once`` (a double
  click acts once), ``test_two_extra_attempts_granted_at_once`` (both count).
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from elearn.extensions import db
from tests.factories import imported, job_of, package, upload
from tests.harness import PG_URL

pytestmark = [
    pytest.mark.adversarial,
    pytest.mark.postgres_only,
    pytest.mark.parametrize("backend", ["postgresql"] if PG_URL else [], indirect=True),
]


class RaceGate:
    """Holds each thread at its first INSERT into ``table`` (or its first statement
    starting with ``table`` when that is a whole statement's start, like ``UPDATE cohorts``)
    until ``parties`` threads are there: every one has run its check and seen nothing, then
    all go on at once.

    Writers of one course hold its row first (``authoring.services.lock``): the second
    request then waits for the first to commit before it even checks, so it never reaches
    the gate while the first is held there. After ``patience`` seconds the gate opens and
    says so (``serialized``): the requests queued instead of racing, which is the lock's
    own way of giving the second one the answer of a request made a moment later."""

    def __init__(self, app, table: str, parties: int = 2, patience: float = 3):
        with app.app_context():
            self.engine = db.engine
        self.serialized = False
        if " " in table:
            self.prefixes = (table,)
        else:
            self.prefixes = (f"INSERT INTO {table} ", f"INSERT INTO {table}(")
        self.barrier = threading.Barrier(parties, timeout=patience)
        self.held: set[int] = set()
        self.lock = threading.Lock()

    def _hold(self, conn, cursor, statement, *args):
        if not statement.startswith(self.prefixes):
            return
        with self.lock:
            first = threading.get_ident() not in self.held
            self.held.add(threading.get_ident())
        if first:
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                self.serialized = True

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._hold)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._hold)


def at_once(app, table: str, *calls, queued: bool = False):
    """Run the calls in threads, released together at their INSERT into ``table``;
    returns their responses in call order. ``queued``: they are expected to queue behind
    the course's lock rather than race."""
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with RaceGate(app, table, len(calls)) as gate:
        threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not errors, errors
    assert gate.serialized == queued, "raced" if gate.serialized is False else "queued"
    assert all(r is not None for r in results)
    return results


def answer(response) -> tuple:
    """What a client sees of an answer: status and body (JSON, or the page's messages)."""
    if response.mimetype in ("application/json", "application/problem+json"):
        return response.status_code, response.get_json()
    return response.status_code, response.get_data(as_text=True)


def split(responses, winner_status):
    winners = [r for r in responses if r.status_code == winner_status]
    losers = [r for r in responses if r.status_code != winner_status]
    assert len(winners) == 1, [answer(r) for r in responses]
    return winners[0], losers


def count(app, model, **where) -> int:
    with app.app_context():
        stmt = sa.select(sa.func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return db.session.scalar(stmt)


# -- the four the review found ---------------------------------------------------------------


def test_two_accounts_with_one_email_at_once(app, api, make):
    from elearn.accounts.models import User

    make.centre()
    admin = make.user("admin").email
    tokens = iter([make.token(admin), make.token(admin), make.token(admin)])
    body = {
        "email": "twice@ofppt.example",
        "name": "Deux Fois",
        "roles": ["trainee"],
        "centre": "SALE",
    }

    def create():  # each with a token of its own: a token's row is touched by its request
        return app.test_client().post(
            "/api/v1/users", json=body, headers={"Authorization": f"Bearer {next(tokens)}"}
        )

    winner, (loser,) = split(at_once(app, "users", create, create), 201)
    later = create()
    assert answer(loser) == answer(later)
    assert later.status_code == 422 and later.get_json()["errors"][0]["path"] == "email"
    assert count(app, User, email="twice@ofppt.example") == 1


def test_two_accounts_confirming_one_new_address_at_once(app, api, make, outbox):
    """Each asked for the address while it was free; the first to confirm gets it, the
    other answers what a confirmation a moment later gets: taken, nothing changed."""
    import re

    from elearn.accounts.models import User

    wanted = "convoitee@ofppt.example"
    people = [make.user("trainee") for _ in range(3)]
    for person in people:
        asked = api.post(
            "/api/v1/me/email",
            token=make.token(person.email),
            json={"email": wanted, "password": person.password},
        )
        assert asked.status_code == 202, asked.get_data(as_text=True)
    links = [
        re.search(r"/email/confirm/\S+", m.get_content()).group(0)
        for m in outbox
        if m["To"] == wanted
    ]
    assert len(links) == 3
    confirms = iter(links)

    def confirm():
        return app.test_client().post_form(next(confirms))

    winner, (loser,) = split(at_once(app, "UPDATE users", confirm, confirm), 303)
    later = confirm()
    assert loser.status_code == later.status_code == 409
    assert wanted in loser.get_data(as_text=True) and wanted in later.get_data(as_text=True)
    assert count(app, User, email=wanted) == 1
    assert sum(count(app, User, email=p.email) for p in people) == 2


def test_the_same_new_member_added_twice_at_once(app, api, make):
    from elearn.accounts.models import User
    from tests.cohortkit import create_cohort, staff

    people = staff(api, make)
    cohort = create_cohort(api, people.sale_token)
    url = f"/api/v1/cohorts/{cohort}/members"
    body = {"emails": ["nouvelle@ofppt.example"]}

    tokens = iter([make.token(people.sale.email) for _ in range(3)])

    def add():
        return app.test_client().post(
            url, json=body, headers={"Authorization": f"Bearer {next(tokens)}"}
        )

    first, second = at_once(app, "users", add, add)
    assert (first.status_code, second.status_code) == (200, 200), (answer(first), answer(second))
    made = [r for r in (first, second) if r.get_json()["created_accounts"]]
    assert len(made) == 1, (first.get_json(), second.get_json())
    loser = second if made[0] is first else first
    later = add()
    assert answer(loser) == answer(later)
    assert later.get_json()["already_members"] == ["nouvelle@ofppt.example"]
    assert count(app, User, email="nouvelle@ofppt.example") == 1


@pytest.mark.parametrize(
    "url,table,body",
    [
        ("/api/v1/centres", "centres", {"code": "RABAT", "name": "ISTA Rabat", "city": "Rabat"}),
        (
            "/api/v1/networks",
            "networks",
            {"code": "NEWNET", "name": {"fr": "Nouveau", "ar": "جديد"}, "domains": ["ai"]},
        ),
    ],
)
def test_the_same_centre_created_twice_at_once(app, make, url, table, body):
    admin = make.user("admin").email
    tokens = iter([make.token(admin) for _ in range(3)])

    def create():
        return app.test_client().post(
            url, json=body, headers={"Authorization": f"Bearer {next(tokens)}"}
        )

    winner, (loser,) = split(at_once(app, table, create, create), 201)
    later = create()
    assert answer(loser) == answer(later)
    assert later.status_code == 422 and later.get_json()["errors"][0]["path"] == "code"


def studio_post(app, email, url, form):
    """A browser of ``email`` posting a Studio form; returns the page it lands on."""

    def post():
        browser = app.test_client()
        browser.login(email)
        response = browser.post_form(url, form)
        assert response.status_code == 303, response.status_code
        return browser.get(response.headers["Location"])

    return post


def flashes(response) -> list[str]:
    import re

    return re.findall(r'class="flash flash-(\w+)"[^>]*>(.*?)<', response.get_data(as_text=True))


def test_the_same_module_added_twice_at_once_in_the_studio(app, api, make):
    from elearn.authoring.models import Module

    make.centre()
    expert = make.user("expert", network="DMK")
    assert imported(api, make.token(expert.email), package())
    add = studio_post(
        app, expert.email, "/studio/engine-basics/modules", {"slug": "extra", "title": "Extra"}
    )
    pages = at_once(app, "modules", add, add, queued=True)  # behind the course's lock
    kinds = sorted(kind for page in pages for kind, _text in flashes(page))
    assert kinds == ["error", "success"], [flashes(p) for p in pages]
    loser = next(p for p in pages if flashes(p)[0][0] == "error")
    assert flashes(loser) == flashes(add())
    assert count(app, Module, slug="extra") == 1


# -- the same class elsewhere ----------------------------------------------------------------


def test_the_same_course_or_lesson_created_twice_at_once(app, api, make):
    from elearn.authoring.models import Course, Lesson

    make.centre()
    expert = make.user("expert", network="DMK")
    form = {
        "slug": "twice",
        "network": "DMK",
        "domain": "automotive",
        "source": "fr",
        "languages": "fr",
        "title": "Deux fois",
    }

    def create():
        browser = app.test_client()
        browser.login(expert.email)
        return browser.post_form("/studio/new", form)

    pages = at_once(app, "courses", create, create)
    statuses = sorted(p.status_code for p in pages)
    assert statuses[0] in (200, 422) and statuses[1] == 303, statuses  # form again, or created
    loser = next(p for p in pages if p.status_code != 303)
    assert answer(loser)[0] == create().status_code
    assert count(app, Course, slug="twice") == 1

    assert imported(api, make.token(expert.email), package())
    add = studio_post(
        app,
        expert.email,
        "/studio/engine-basics/modules/basics/lessons",
        {"slug": "spark", "title": "Bougies", "kind": "theory"},
    )
    pages = at_once(app, "lessons", add, add, queued=True)
    assert count(app, Lesson, slug="spark") == 1
    assert all(p.status_code == 200 for p in pages)


def test_the_same_new_course_imported_twice_at_once(app, api, make):
    """No row to lock yet: the two first imports of one package really race on the slug;
    the second is run again and updates the course the first created, as a re-import."""
    from elearn.authoring.models import Course

    make.centre()
    expert = make.user("expert", network="DMK").email
    token = make.token(expert)
    data = package()

    def send():
        return upload(api_of(app), token, data)

    first, second = at_once(app, "courses", send, send)
    # both accepted; their jobs ran at once after each commit, and both imports went through
    jobs = [job_of(api, token, response) for response in (first, second)]
    assert [j["status"] for j in jobs] == ["done", "done"], jobs
    assert {j["result"]["slug"] for j in jobs} == {"engine-basics"}
    assert count(app, Course, slug="engine-basics") == 1


def api_of(app):
    """A fresh client in the shape tests.factories.upload wants."""

    class Client:
        client = app.test_client()

    return Client()


def test_the_first_translation_saved_twice_at_once(app, api, make):
    from elearn.authoring.models import LessonContent

    make.centre()
    expert = make.user("expert", network="DMK").email
    assert imported(api, make.token(expert), package(extra_ar=False))
    url = "/api/v1/courses/engine-basics/modules/basics/lessons/cycle"
    body = {"lang": "ar", "title": "الدورة", "markdown": "أربعة أشواط."}
    tokens = iter([make.token(expert) for _ in range(2)])

    def save():
        return app.test_client().put(
            url, json=body, headers={"Authorization": f"Bearer {next(tokens)}"}
        )

    first, second = at_once(app, "lesson_contents", save, save, queued=True)
    assert (first.status_code, second.status_code) == (200, 200), (answer(first), answer(second))
    with app.app_context():
        rows = db.session.scalars(sa.select(LessonContent).where(LessonContent.lang == "ar"))
        assert len(list(rows)) == 1


def test_a_cohort_saved_twice_at_once(app, api, make):
    from elearn.cohorts.models import CohortTrainer
    from tests.cohortkit import create_cohort, staff

    people = staff(api, make)
    other = make.user("trainer", centre="SALE", name="Second Formateur")
    cohort = create_cohort(api, people.sale_token)
    with app.app_context():
        from elearn.accounts.models import Centre
        from elearn.authoring.models import Course

        centre = db.session.scalar(sa.select(Centre.id).where(Centre.code == "SALE"))
        course = db.session.scalar(sa.select(Course.id))
    form = {
        "name": "TS Diagnostic 2026",
        "centre": str(centre),
        "starts_on": "2026-09-15",
        "courses": str(course),
        "trainers": [str(people.sale.id), str(other.id)],
    }

    def save():
        browser = app.test_client()
        browser.login(people.sale.email)
        return browser.post_form(f"/cohorts/{cohort}/edit", form)

    # the save updates the cohort's row first (its row lock would hold the other request
    # before its insert): both are released at that update, after both have checked
    first, second = at_once(app, "UPDATE cohorts ", save, save)
    assert (first.status_code, second.status_code) == (303, 303)
    assert count(app, CohortTrainer, cohort_id=cohort) == 2


def test_a_race_nobody_retries_is_a_409(app, make):
    """A unique key lost where no service checks again (here provoked directly): the
    edge's answer is a 409 problem, and nothing is kept."""
    from flask import Flask

    from elearn.accounts.models import Centre

    assert isinstance(app, Flask)
    make.centre("RABAT", "ISTA Rabat", "Rabat")
    with app.test_request_context("/api/v1/centres", method="POST"):
        db.session.add(Centre(code="RABAT", name="Encore", city="Rabat"))
        try:
            db.session.flush()
        except sa.exc.IntegrityError as exc:
            response = app.handle_user_exception(exc)  # the edge: roll back, then answer
        assert response.status_code == 409
        assert response.mimetype == "application/problem+json"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Centre)) == 1


# -- trainer (issue 17) -----------------------------------------------------------------------


def _mehdi_out_of_attempts(api, make):
    from tests.cohortkit import create_cohort, staff
    from tests.quizkit import SLUG

    people = staff(api, make)
    cohort = create_cohort(api, people.sale_token)
    mehdi = make.user("trainee", centre="SALE", email="mehdi@ofppt.example")
    api.post(
        f"/api/v1/cohorts/{cohort}/members", token=people.sale_token, json={"emails": [mehdi.email]}
    )
    for _ in range(2):
        make.attempt(mehdi.email, SLUG, "checks", {"q3": False})
    url = f"/api/v1/cohorts/{cohort}/members/{mehdi.id}/extra-attempt"
    return people, url, mehdi


def test_one_form_token_sent_twice_at_once(app, api, make):
    """A double click that really races: both requests see no action with the token, both
    insert; the unique (trainer, token) lets one through, the other answers with its record.
    One action, one attempt more."""
    from elearn.cohorts.models import TrainerAction
    from elearn.quizzes.models import AttemptAllowance

    people, url, mehdi = _mehdi_out_of_attempts(api, make)
    tokens = iter([make.token(people.sale.email) for _ in range(2)])

    def grant():
        return app.test_client().post(
            url,
            json={"module": "checks", "reason": "Réseau"},
            headers={"Authorization": f"Bearer {next(tokens)}", "Idempotency-Key": "click-1"},
        )

    first, second = at_once(app, "trainer_actions", grant, grant)
    assert (first.status_code, second.status_code) == (201, 201), (answer(first), answer(second))
    assert first.get_json()["action"]["id"] == second.get_json()["action"]["id"]
    assert {first.get_json()["replayed"], second.get_json()["replayed"]} == {True, False}
    assert count(app, TrainerAction, user_id=mehdi.id) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(AttemptAllowance.extra)) == 1


def test_two_extra_attempts_granted_at_once(app, api, make):
    """Two trainers granting one attempt each at the same instant: two attempts more, the
    allowance row made once (the loser of its insert takes the winner's row and adds)."""
    from elearn.cohorts.models import TrainerAction
    from elearn.quizzes.models import AttemptAllowance

    people, url, mehdi = _mehdi_out_of_attempts(api, make)
    keys = iter(["key-a", "key-b"])
    tokens = iter([make.token(people.sale.email) for _ in range(2)])

    def grant():
        return app.test_client().post(
            url,
            json={"module": "checks", "reason": "Réseau"},
            headers={"Authorization": f"Bearer {next(tokens)}", "Idempotency-Key": next(keys)},
        )

    first, second = at_once(app, "quiz_allowances", grant, grant)
    assert (first.status_code, second.status_code) == (201, 201), (answer(first), answer(second))
    assert count(app, TrainerAction, user_id=mehdi.id) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(AttemptAllowance.extra)) == 2


# -- every unique key, accounted for ---------------------------------------------------------

#: (table, columns) -> the test racing it, or why no two requests can race on it.
UNIQUE_KEYS = {
    ("networks", ("code",)): "test_the_same_centre_created_twice_at_once[networks]",
    ("centres", ("code",)): "test_the_same_centre_created_twice_at_once[centres]",
    ("sign_in_failures", ("account",)): "one atomic INSERT ... ON CONFLICT "
    "(accounts.throttle; tests/adversarial/test_signin_budget.py)",
    ("users", ("email",)): "test_two_accounts_with_one_email_at_once; members: "
    "test_the_same_new_member_added_twice_at_once",
    ("user_roles", ("user_id", "role")): "written with the user; an admin's edit replaces "
    "them as a whole (two admins at once: 409)",
    ("access_tokens", ("token_hash",)): "256 random bits",
    ("setup_links", ("token_hash",)): "256 random bits",
    ("email_changes", ("token_hash",)): "256 random bits",
    ("notifications", ("user_id", "key")): "the key is the point: a job run twice at once "
    "loses the insert, is retried, and the retry skips who was told",
    ("notification_settings", ("user_id",)): "one person saving their own settings twice at "
    "once: the second gets the edge's answer to a lost unique key, and saves again",
    ("courses", ("slug",)): "test_the_same_course_or_lesson_created_twice_at_once, "
    "test_the_same_new_course_imported_twice_at_once",
    ("course_authors", ("course_id", "user_id")): "written with the course",
    ("modules", ("course_id", "slug")): "test_the_same_module_added_twice_at_once_in_the_studio",
    ("lessons", ("module_id", "slug")): "test_the_same_course_or_lesson_created_twice_at_once",
    ("lesson_contents", ("lesson_id", "lang")): "test_the_first_translation_saved_twice_at_once",
    ("quizzes", ("module_id",)): "writers of the course hold its row "
    "(authoring.services.lock): the quiz editor and re-imports queue",
    ("quizzes", ("bank_course_id",)): "a course's bank is written by the import or the bank "
    "page, both holding the course's row (authoring.services.lock)",
    ("questions", ("quiz_id", "key")): "as quizzes: the course's row lock",
    ("media_assets", ("course_id", "path")): "writers of the course hold its row; an upload "
    "completing onto a path taken meanwhile takes the next free one "
    "(tests/test_uploads.py::test_two_uploads_of_one_name_keep_both_files)",
    ("enrolments", ("user_id", "course_id")): "learning.services.enrol and "
    "cohorts.services.enrol_members look again (tests/test_enrolment.py)",
    ("lesson_completions", ("user_id", "lesson_id")): "learning.services.complete_lesson "
    "looks again",
    ("certificates", ("user_id", "course_id")): "learning.progress.issue_certificate looks again",
    ("certificates", ("code",)): "random; a clash draws again (issue_certificate)",
    ("quiz_attempts", ("user_id", "quiz_id", "number")): "tests/test_quiz_concurrency.py",
    ("quiz_attempts", ("user_id", "quiz_id")): "the one open attempt: "
    "tests/test_quiz_concurrency.py",
    ("cohort_trainers", ("cohort_id", "user_id")): "test_a_cohort_saved_twice_at_once",
    ("cohort_members", ("cohort_id", "user_id")): "test_the_same_new_member_added_twice_at_once",
    ("cohort_courses", ("cohort_id", "course_id")): "test_a_cohort_saved_twice_at_once (same "
    "service: cohorts.services.update_cohort)",
    # -- signoffs (issue 16)
    ("network_reviewers", ("network_id", "user_id", "role")): "accounts.services.add_reviewer "
    "looks again (core.db.again_if_raced): adding one twice keeps the one there",
    ("course_signoffs", ("course_id", "revision", "role", "user_id")): "review.sign_off holds "
    "the course's row (authoring.services.lock) and looks again: twice is once",
    # -- trainer (issue 17)
    ("trainer_actions", ("actor_id", "token")): "test_one_form_token_sent_twice_at_once",
    ("quiz_allowances", ("user_id", "quiz_id")): "test_two_extra_attempts_granted_at_once",
    # -- search (issue 17)
    ("lesson_search_entries", ("lesson_id", "lang")): "written only by publication, which "
    "holds the course's row (authoring.services.lock) and replaces the course's entries as "
    "a whole; `elearn courses reindex` is an operator's one-off",
}


def unique_keys() -> set[tuple[str, tuple[str, ...]]]:
    """Every unique constraint, unique index and natural primary key of the schema."""
    found = set()
    for table in db.metadata.sorted_tables:
        pk = tuple(c.name for c in table.primary_key.columns)
        if pk != ("id",):
            found.add((table.name, pk))
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                found.add((table.name, tuple(c.name for c in constraint.columns)))
        for index in table.indexes:
            if index.unique:
                found.add((table.name, tuple(c.name for c in index.columns)))
        for column in table.columns:
            if column.unique:
                found.add((table.name, (column.name,)))
    return found


def test_every_unique_key_is_classified(app):
    found = unique_keys()
    assert found - set(UNIQUE_KEYS) == set(), "classify these unique keys"
    assert set(UNIQUE_KEYS) - found == set(), "these keys no longer exist"
