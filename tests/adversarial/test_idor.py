"""Insecure direct object references: someone else's attempt, certificate, cohort, course.

Cases (security-cases.md) and where each is covered:

- T10 trainee A on B's attempt, result page, certificate, enrolment and progress:
  ``test_a_trainee_gets_nothing_of_anothers_attempt_by_page_or_form`` (the pages and the form;
  the API of an open attempt is tests/test_quizzes.py::test_attempts_are_private),
  ``test_a_foreign_object_answers_exactly_like_a_missing_one``; B's certificate page:
  tests/test_certificates.py::test_the_certificate_page_is_bilingual_and_only_for_its_holder;
  B's enrolment and progress exist only under /api/v1/me (the caller's own) and on the
  cohort pages (T12), and in the matrix (T15).
- T11 (a trainer changing another cohort's grade): there is no grade-editing endpoint;
  the nearest is an attempt: ``test_trainers_read_only_the_attempts_of_their_cohorts``.
- T12 trainer of Kénitra on Salé's cohort pages, exports and API: the matrix of
  tests/test_cohort_access.py::test_outsiders_get_404_everywhere_and_change_nothing (every
  page, write, export and API route of a cohort) is mapped, not repeated; added here:
  ``test_a_trainers_own_export_and_stats_never_mix_in_another_cohort`` (parameter pollution).
- T13 expert of network N1 on N2's Studio: tests/test_studio.py
  (test_only_the_network_and_admins_open_a_course_in_the_studio,
  test_other_network_cannot_change_anything), tests/test_media_library.py
  (test_library_is_for_the_course_authors_only), tests/test_uploads.py
  (test_trainees_and_other_networks_get_no_ticket), tests/test_api_courses.py
  (test_experts_import_only_for_their_network: import/push, PUT lesson, export). Added:
  every Studio, media and upload route on N2's draft in the matrix (T15: settings, media
  delete, outline actions, editor, quiz editor, preview, history, upload completion and
  parts, submit, export, push), with a check that nothing changed; and
  ``test_an_expert_of_another_network_gets_no_studio_of_a_published_course`` (the same on a
  course the outsider may read in the catalogue: the answer key, item statistics, package).
- T14 media of an unpublished course: tests/test_api_courses.py::
  test_media_are_served_only_to_readers, tests/test_storage.py::test_media_urls_expire
  (a signed URL expires; tampered → 403) and the matrix (every role, 404). Added:
  ``test_media_are_looked_up_in_their_own_course`` (a draft's file asked through a
  published course the reader follows, or with ``..``); files of a published course that
  are not in its published version: tests/adversarial/test_published_media.py. The signed
  URLs live 900 s (``ELEARN_S3_URL_TTL``), not the ≤ 300 s of the case list: a choice for
  slow connections.
- T15 the matrix: ``test_every_route_with_someone_elses_ids`` walks ``app.url_map`` and
  compares each (endpoint, method) × (anonymous, trainee, trainer, expert) with ``EXPECTED``;
  a route missing from the table (or a URL argument without a foreign value) fails the
  test, so new routes must be classified. Every answer is also searched for B's name and
  e-mail, Salé's cohort, the draft's text and B's token, and the database must be unchanged.
- T16 identity always from the session or token:
  ``test_identity_comes_from_the_token_never_the_body``.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from tests.adversarial import worldkit
from tests.adversarial.worldkit import B_EMAIL, B_NAME, DRAFT
from tests.factories import package
from tests.quizkit import LESSONS, QUIZ, SLUG

pytestmark = pytest.mark.adversarial

ROLES = ("anonymous", "trainee", "trainer", "expert")


@pytest.fixture
def world(app, api, make):
    return worldkit.build(app, api, make)


# -- T15: the matrix ----------------------------------------------------------------------


def foreign_values(app, w) -> dict:
    """For each URL argument, an object that belongs to someone else than the callers."""
    with app.app_context():
        from elearn.accounts.models import Centre, Network

        centre_id = db.session.scalar(select(Centre.id).where(Centre.code == "SALE"))
        network_id = db.session.scalar(select(Network.id).where(Network.code == "DMK"))
    return {
        "attempt_id": w.b_submitted,  # B's graded attempt
        "code": w.b_certificate,  # B's certificate
        "cohort_id": w.sale_cohort,  # Salé's cohort (the trainer is Kénitra's)
        "user_id": w.b.id,
        "slug": DRAFT,  # DMK's unpublished course (the expert is AEROMAC's)
        "module": worldkit.DRAFT_MODULE,
        "lesson": worldkit.DRAFT_LESSON,
        "path": worldkit.DRAFT_MEDIA,
        "centre_id": centre_id,
        "network_id": network_id,
        "token_id": w.b_token_id,  # B's API token
        "asset_id": w.asset_id,  # the draft's media file
        "upload_id": w.upload_id,  # the DMK expert's upload ticket
        "job_id": w.import_job,  # the DMK expert's import
        "notification_id": w.b_notification,  # what B was told
        "token": "forged-" + "x" * 40,  # password link / signed media grant nobody issued
        "kind": "csv",
        "action": "archive",
        # -- signoffs (issue 16)
        "reviewer_id": 1,  # whoever reviews first; the callers may remove nobody's
    }


#: Arguments whose meaning differs by endpoint.
OVERRIDES = {
    "reference.update_centre": {"code": "SALE"},
    # -- signoffs (issue 16)
    "reference.update_network": {"code": "DMK"},
    # -- search (issue 17): a word of the DMK draft's lesson, whose text ("Quatre temps")
    # would show in an excerpt if the search reached it
    "search.lessons": {"q": "suite"},
    "search_api.search_lessons": {"q": "suite"},
    "search_api.search_text": {"q": "suite"},
}
#: Downloads whose ``job_id`` is Salé's export (a file with B in it), not the DMK import.
EXPORT_DOWNLOADS = {"cohorts.export_file", "cohorts_api.download_export"}


def bodies(values) -> dict:
    """What an attacker sends: a body that would work for someone allowed, so the answer
    says who may, not what is malformed."""
    return {
        "reference.create_centre": {"code": "EVIL", "name": "Evil", "city": "Nowhere"},
        "reference.update_centre": {"name": "Evil"},
        "reference.create_network": {
            "code": "EVIL",
            "name": {"fr": "Evil", "ar": "شر"},
            "domains": ["ai"],
        },
        "cohorts_api.create": {
            "name": "Evil",
            "centre": "SALE",
            "courses": [SLUG],
            "starts_on": "2026-09-15",
        },
        "cohorts_api.add_members": {"emails": ["a@ofppt.example"]},
        "cohorts_api.request_export": {"kind": "csv"},
        "media_api.create_ticket": {"filename": "x.png", "content_type": "image/png", "size": 68},
        "media_api.part_urls": {"numbers": [1]},
        "courses.put_lesson": {"lang": "fr", "title": "Piraté", "markdown": "Piraté"},
        "courses.send_back": {"comment": "Piraté"},
        "tokens.create_token": {"email": B_EMAIL, "password": "guessing-b-password"},
        "users.create_user": {"email": "evil@example.org", "name": "Evil", "roles": ["admin"]},
        "users.update_user": {"roles": ["admin"]},
        "quizzes_api.save": {"answers": {}},
        "quizzes_api.submit": {"answers": {}},
        # -- quizform (issue 16)
        "quizedit.put_quiz": {
            "title": {"fr": "Piraté"},
            "questions": [
                {"id": "x1", "type": "true_false", "prompt": {"fr": "Piraté ?"}, "answer": True}
            ],
        },
        "studio_quiz.quiz_yaml": {"yaml": "title: {fr: Evil}"},
        "me.Me": {},
        "me.change_email": {"email": "evil@example.org", "password": "guessing-a-password"},
        # pages
        "quizzes.answer": {"q-q3": "true", "action": "submit"},
        "cohorts.new": {
            "name": "Evil",
            "centre": str(values["centre_id"]),
            "starts_on": "2026-09-15",
        },
        "cohorts.edit": {
            "name": "Evil",
            "centre": str(values["centre_id"]),
            "starts_on": "2026-09-15",
        },
        "cohorts.archive": {"archived": "1"},
        "cohorts.request_export": {"kind": "csv"},
        "cohort_members.apply": {"csv": "email\na@ofppt.example\n"},
        "studio.new_course": {
            "slug": "evil",
            "network": "DMK",
            "domain": "automotive",
            "source": "fr",
            "languages": "fr",
            "title": "Evil",
        },
        "studio.add_module": {"slug": "evil", "title": "Evil"},
        "studio.add_lesson": {"slug": "evil", "title": "Evil"},
        "studio.settings": {"title_fr": "Evil"},
        "studio_editor.edit_lesson": {"title": "Evil", "markdown": "Evil", "action": "save"},
        "studio_quiz.edit_quiz": {"yaml": "title: {fr: Evil}"},
        "studio_questions.bank": {"yaml": "questions: []"},
        "studio_questions.gift": {"text": "::evil::Vrai ?{T}", "action": "import"},
        "admin.edit_user": {"name": "Evil", "roles": "admin", "locale": "fr"},
        "admin.new_user": {"email": "evil@example.org", "name": "Evil", "roles": "admin"},
        "accounts.login": {"email": B_EMAIL, "password": "guessing-b-password"},
        "accounts.setup_password": {"new_password": "taken-over-42", "confirm": "taken-over-42"},
        "accounts.change_email": {"email": "evil@example.org", "password": "guessing-a-password"},
        # -- signoffs (issue 16)
        "reviews.sign_off": {"role": "domain"},
        "reference.update_network": {"required_signoffs": []},
        "studio_review.sign_off": {"role": "domain"},
        "studio_review.add_comment": {"body": "Piraté"},
        "admin.add_reviewer": {"email": "a@ofppt.example", "role": "domain"},
        # -- editor (issue 16)
        "studio_editor.autosave": {"title_fr": "Evil", "markdown_fr": "Evil"},
        # -- trainer (issue 17)
        "cohorts_api.extra_attempt": {"module": "checks", "reason": "Piraté"},
        "cohorts_api.reopen": {"module": "checks", "reason": "Piraté"},
        "cohorts_api.send_message": {"text": "Piraté"},
        "cohorts_api.remove_member": {"reason": "Piraté"},
        "cohorts_api.add_one": {"email": "evil@example.org", "name": "Evil", "locale": "fr"},
        "cohort_members.extra_attempt": {"extra-module": f"{SLUG}/checks", "extra-reason": "x"},
        "cohort_members.reopen": {"reopen-module": f"{SLUG}/checks", "reopen-reason": "x"},
        "cohort_members.message": {"message-text": "Piraté"},
        "cohort_members.add_one": {"add-email": "evil@example.org", "add-name": "Evil"},
        "cohort_members.remove": {"reason": "Piraté"},
    }


#: Status by role: (anonymous, trainee A, trainer of Kénitra, expert of AEROMAC), the objects
#: being someone else's (``foreign_values``). 302 (pages) and 401 (API): sign in first;
#: 403: not this role's; 404: not yours, answered as if it did not exist; 410: a dead link.
#: A 2xx is the caller's own view or a public page, which must show nothing of the others
#: (the test searches every answer for B's and Salé's data).
EXPECTED: dict[tuple[str, str], tuple[int, int, int, int]] = {
    ("accounts.account", "GET"): (302, 200, 200, 200),  # own account page
    ("accounts.account", "POST"): (302, 303, 303, 303),  # own profile (saved unchanged)
    ("accounts.change_email", "POST"): (302, 200, 200, 200),  # a guessed password: refused
    ("accounts.cancel_email_change", "POST"): (302, 303, 303, 303),  # own (none pending)
    ("accounts.confirm_email", "GET"): (410, 410, 410, 410),  # a link nobody was sent
    ("accounts.confirm_email", "POST"): (410, 410, 410, 410),
    ("accounts.change_password", "GET"): (302, 200, 200, 200),
    ("accounts.change_password", "POST"): (302, 200, 200, 200),  # own password form, redisplayed
    ("accounts.create_token", "POST"): (302, 303, 303, 303),  # own token; no name: back to /account
    ("accounts.home", "GET"): (200, 200, 200, 200),
    ("accounts.login", "GET"): (200, 302, 302, 302),
    ("accounts.login", "POST"): (200, 302, 302, 302),  # B's e-mail, a guessed password
    ("accounts.logout", "POST"): (302, 303, 303, 303),  # own session
    ("accounts.revoke_token", "POST"): (302, 404, 404, 404),  # B's token
    ("accounts.setup_password", "GET"): (410, 410, 410, 410),  # a link nobody was sent
    ("accounts.setup_password", "POST"): (410, 410, 410, 410),
    ("admin.centres", "GET"): (302, 403, 403, 403),
    ("admin.edit_centre", "GET"): (302, 403, 403, 403),
    ("admin.edit_centre", "POST"): (302, 403, 403, 403),
    ("admin.edit_network", "GET"): (302, 403, 403, 403),
    ("admin.edit_network", "POST"): (302, 403, 403, 403),
    ("admin.edit_user", "GET"): (302, 403, 403, 403),
    ("admin.edit_user", "POST"): (302, 403, 403, 403),
    ("admin.send_link", "POST"): (302, 403, 403, 403),  # a set-up link for B
    ("admin.networks", "GET"): (302, 403, 403, 403),
    ("admin.new_user", "GET"): (302, 403, 403, 403),
    ("admin.new_user", "POST"): (302, 403, 403, 403),
    ("admin.users", "GET"): (302, 403, 403, 403),
    ("api-docs.openapi_json", "GET"): (200, 200, 200, 200),
    ("api_reference.docs", "GET"): (200, 200, 200, 200),
    ("certificates.certificate", "GET"): (302, 404, 404, 404),  # B's certificate
    # the public check: name, course, network and date (tests/adversarial/test_enumeration.py)
    ("certificates.verify", "GET"): (200, 200, 200, 200),
    ("certificates.verify_form", "GET"): (200, 200, 200, 200),
    ("cohort_members.apply", "POST"): (302, 404, 404, 404),
    ("cohort_members.members_page", "GET"): (302, 404, 404, 404),
    ("cohort_members.preview", "POST"): (302, 404, 404, 404),
    ("cohort_members.remove", "POST"): (302, 404, 404, 404),
    ("cohort_members.resend", "POST"): (302, 404, 404, 404),
    ("cohorts.archive", "POST"): (302, 404, 404, 404),
    ("cohorts.edit", "GET"): (302, 404, 404, 404),
    ("cohorts.edit", "POST"): (302, 404, 404, 404),
    ("cohorts.export", "GET"): (302, 404, 404, 404),
    ("cohorts.export_file", "GET"): (302, 404, 404, 404),  # Salé's export job's file
    ("cohorts.request_export", "POST"): (302, 404, 404, 404),
    ("cohorts.index", "GET"): (302, 404, 200, 404),  # the trainer's own list, without Salé's
    ("cohorts.items", "GET"): (302, 404, 404, 404),
    ("cohorts.new", "GET"): (302, 404, 200, 404),
    ("cohorts.new", "POST"): (302, 404, 200, 404),  # Salé as centre: refused in the form
    ("cohorts.show", "GET"): (302, 404, 404, 404),
    ("cohorts.trainee", "GET"): (302, 404, 404, 404),
    ("cohorts_api.add_members", "POST"): (401, 404, 404, 404),
    ("cohorts_api.create", "POST"): (401, 403, 403, 403),  # a cohort for Salé
    ("cohorts_api.get", "GET"): (401, 404, 404, 404),
    ("cohorts_api.list_cohorts", "GET"): (401, 200, 200, 200),  # own (empty or Kénitra's)
    ("cohorts_api.progress", "GET"): (401, 404, 404, 404),
    ("cohorts_api.progress_sheet", "GET"): (401, 404, 404, 404),
    ("cohorts_api.request_export", "POST"): (401, 404, 404, 404),
    ("cohorts_api.download_export", "GET"): (401, 404, 404, 404),  # Salé's export job's file
    ("cohorts_api.quiz_stats", "GET"): (401, 404, 404, 404),
    ("core.healthz", "GET"): (200, 200, 200, 200),
    ("course_media.media", "GET"): (302, 404, 404, 404),  # the draft's media
    ("courses.complete_lesson", "POST"): (401, 404, 404, 404),
    ("courses.enrol", "POST"): (401, 404, 404, 404),
    ("courses.export_course", "GET"): (401, 404, 404, 404),
    ("gift.export_gift", "GET"): (401, 404, 404, 404),
    ("gift.import_gift", "POST"): (401, 404, 404, 404),
    ("courses.get_course", "GET"): (401, 404, 404, 404),
    ("courses.get_lesson", "GET"): (401, 404, 404, 404),
    ("courses.import_package", "POST"): (401, 403, 403, 403),  # DMK's package
    ("jobs_api.get_job", "GET"): (401, 404, 404, 404),  # the DMK expert's import
    ("jobs_api.retry_job", "POST"): (401, 403, 403, 403),
    ("jobs.job", "GET"): (302, 404, 404, 404),
    ("jobs.failed", "GET"): (302, 403, 403, 403),
    ("jobs.retry", "POST"): (302, 403, 403, 403),
    ("notifications.index", "GET"): (302, 200, 200, 200),  # own list
    ("notifications.read", "POST"): (302, 303, 303, 303),  # own (nothing ticked)
    ("notifications.open_", "POST"): (302, 404, 404, 404),  # B's notification
    ("notifications.settings", "GET"): (302, 200, 200, 200),
    ("notifications.settings", "POST"): (302, 200, 200, 200),  # nothing chosen: the form again
    ("notifications_api.list_notifications", "GET"): (401, 200, 200, 200),
    ("notifications_api.mark_read", "POST"): (401, 422, 422, 422),  # nothing to mark
    ("notifications_api.get_settings", "GET"): (401, 200, 200, 200),
    ("notifications_api.put_settings", "PUT"): (401, 422, 422, 422),  # no choice sent
    ("accounts.forgot_password", "GET"): (200, 200, 200, 200),
    ("accounts.forgot_password", "POST"): (200, 200, 200, 200),  # no e-mail given
    ("tokens.password_reset", "POST"): (422, 422, 422, 422),  # no e-mail given
    ("courses.list_courses", "GET"): (401, 200, 200, 200),
    ("courses.publish", "POST"): (401, 403, 403, 403),
    ("courses.put_lesson", "PUT"): (401, 404, 404, 404),
    ("courses.send_back", "POST"): (401, 403, 403, 403),
    ("courses.submit", "POST"): (401, 404, 404, 404),
    ("courses.translations", "GET"): (401, 404, 404, 404),
    ("i18n.choose_language", "GET"): (200, 200, 200, 200),
    ("i18n.choose_language", "POST"): (200, 200, 200, 200),
    ("learning.catalogue", "GET"): (302, 200, 200, 200),
    ("learning.complete", "POST"): (302, 404, 404, 404),
    ("learning.course", "GET"): (302, 404, 404, 404),
    ("learning.enrol", "POST"): (302, 404, 404, 404),
    ("learning.lesson", "GET"): (302, 404, 404, 404),
    ("learning.my_learning", "GET"): (302, 200, 200, 200),
    ("me.Me", "GET"): (401, 200, 200, 200),
    ("me.Me", "PATCH"): (401, 200, 200, 200),  # own account, empty change
    ("me.change_email", "POST"): (401, 422, 422, 422),  # a guessed password
    ("me.my_courses", "GET"): (401, 200, 200, 200),
    ("media.local_part", "PUT"): (403, 403, 403, 403),
    ("media.local_upload", "POST"): (403, 403, 403, 403),
    ("media.signed_file", "GET"): (403, 403, 403, 403),  # a grant nobody signed
    ("media_api.complete", "POST"): (401, 404, 404, 404),
    ("media_api.create_ticket", "POST"): (401, 404, 404, 404),
    ("media_api.part_urls", "POST"): (401, 404, 404, 404),
    ("media_api.parts_done", "GET"): (401, 404, 404, 404),
    ("media_library.delete", "POST"): (302, 403, 403, 404),  # the draft's file
    ("media_library.library", "GET"): (302, 403, 403, 404),
    ("quizzes.answer", "POST"): (302, 404, 404, 404),
    ("quizzes.attempt", "GET"): (302, 404, 404, 404),  # B's result page
    ("quizzes.quiz", "GET"): (302, 404, 404, 404),
    ("quizzes.start", "POST"): (302, 404, 404, 404),
    ("quizzes_api.get", "GET"): (401, 404, 404, 404),  # B's attempt
    ("quizzes_api.save", "PUT"): (401, 404, 404, 404),
    ("quizzes_api.start", "POST"): (401, 404, 404, 404),
    ("quizzes_api.submit", "POST"): (401, 404, 404, 404),
    ("reference.create_centre", "POST"): (401, 403, 403, 403),
    ("reference.create_network", "POST"): (401, 403, 403, 403),
    ("reference.list_centres", "GET"): (401, 200, 200, 200),
    ("reference.list_networks", "GET"): (401, 200, 200, 200),
    ("reference.update_centre", "PATCH"): (401, 403, 403, 403),
    ("studio.add_lesson", "POST"): (302, 403, 403, 404),
    ("studio.add_module", "POST"): (302, 403, 403, 404),
    ("studio.course", "GET"): (302, 403, 403, 404),
    ("studio.export", "GET"): (302, 403, 403, 404),
    ("studio.index", "GET"): (302, 403, 403, 200),  # own network's courses
    ("studio.lesson_action", "POST"): (302, 403, 403, 404),
    ("studio.module_action", "POST"): (302, 403, 403, 404),
    ("studio.new_course", "GET"): (302, 403, 403, 200),
    ("studio.new_course", "POST"): (302, 403, 403, 200),  # in DMK: refused in the form
    ("studio.publish", "POST"): (302, 403, 403, 403),
    ("studio.review_queue", "GET"): (302, 403, 403, 403),
    ("studio.send_back", "POST"): (302, 403, 403, 403),
    ("studio.settings", "GET"): (302, 403, 403, 404),
    ("studio.settings", "POST"): (302, 403, 403, 404),
    ("studio.submit", "POST"): (302, 403, 403, 404),
    ("studio.upload", "POST"): (302, 403, 403, 303),  # DMK's package: refused with a message
    ("studio_editor.course_items", "GET"): (302, 403, 403, 404),  # a Studio page now
    ("studio_editor.edit_lesson", "GET"): (302, 403, 403, 404),
    ("studio_editor.edit_lesson", "POST"): (302, 403, 403, 404),
    ("studio_questions.bank", "GET"): (302, 403, 403, 404),
    ("studio_questions.bank", "POST"): (302, 403, 403, 404),
    ("studio_questions.gift", "GET"): (302, 403, 403, 404),
    ("studio_questions.gift", "POST"): (302, 403, 403, 404),
    ("studio_questions.gift_file", "GET"): (302, 403, 403, 404),
    ("studio_editor.history", "GET"): (302, 403, 403, 404),
    ("studio_editor.mark_current", "POST"): (302, 403, 403, 404),
    ("studio_editor.preview", "GET"): (302, 403, 403, 404),
    ("studio_editor.preview_json", "POST"): (302, 403, 403, 404),
    ("studio_editor.translations", "GET"): (302, 403, 403, 404),
    ("tokens.create_token", "POST"): (401, 401, 401, 401),  # B's e-mail, a guessed password
    ("tokens.list_tokens", "GET"): (401, 200, 200, 200),
    ("tokens.revoke_token", "DELETE"): (401, 404, 404, 404),
    ("users.create_user", "POST"): (401, 403, 403, 403),
    ("users.get_user", "GET"): (401, 403, 404, 403),  # B
    ("users.list_users", "GET"): (401, 403, 200, 403),  # the trainer's own centre's trainees
    ("users.update_user", "PATCH"): (401, 403, 403, 403),
    # -- changes (issue 16)
    ("studio_changes.changes", "GET"): (302, 403, 403, 404),
    ("changes.course_changes_api", "GET"): (401, 404, 404, 404),
    # -- quizform (issue 16)
    ("quizedit.get_quiz", "GET"): (401, 404, 404, 404),
    ("quizedit.put_quiz", "PUT"): (401, 404, 404, 404),
    ("studio_quiz.edit_quiz", "GET"): (302, 403, 403, 404),
    ("studio_quiz.edit_quiz", "POST"): (302, 403, 403, 404),
    ("studio_quiz.preview_quiz", "GET"): (302, 403, 403, 404),
    ("studio_quiz.quiz_yaml", "GET"): (302, 403, 403, 404),
    ("studio_quiz.quiz_yaml", "POST"): (302, 403, 403, 404),
    # -- outline (issue 16)
    ("studio.preview", "GET"): (302, 403, 403, 404),  # the whole draft, authors only
    # -- signoffs (issue 16): the review is its network's reviewers' and authors'
    ("studio_review.review", "GET"): (302, 404, 404, 404),
    ("studio_review.sign_off", "POST"): (302, 404, 404, 404),
    ("studio_review.add_comment", "POST"): (302, 404, 404, 404),
    ("reviews.sign_off", "POST"): (401, 404, 404, 404),
    ("reviews.list_signoffs", "GET"): (401, 404, 404, 404),
    ("reference.update_network", "PATCH"): (401, 403, 403, 403),
    ("admin.add_reviewer", "POST"): (302, 403, 403, 403),
    ("admin.remove_reviewer", "POST"): (302, 403, 403, 403),
    # -- editor (issue 16)
    ("studio_editor.autosave", "POST"): (302, 403, 403, 404),
    # -- trainer (issue 17): B in Salé's cohort; Kénitra's trainer, trainees, experts: 404
    ("cohort_members.extra_attempt", "POST"): (302, 404, 404, 404),
    ("cohort_members.reopen", "POST"): (302, 404, 404, 404),
    ("cohort_members.message", "POST"): (302, 404, 404, 404),
    ("cohort_members.add_one", "POST"): (302, 404, 404, 404),
    ("cohort_members.remove", "GET"): (302, 404, 404, 404),  # the confirmation
    ("cohorts_api.extra_attempt", "POST"): (401, 404, 404, 404),
    ("cohorts_api.reopen", "POST"): (401, 404, 404, 404),
    ("cohorts_api.send_message", "POST"): (401, 404, 404, 404),
    ("cohorts_api.remove_member", "POST"): (401, 404, 404, 404),
    ("cohorts_api.add_one", "POST"): (401, 404, 404, 404),
    ("cohorts_api.list_actions", "GET"): (401, 404, 404, 404),
    # -- search (issue 17): everyone signed in searches, only in what they may read
    ("search.lessons", "GET"): (302, 200, 200, 200),
    ("search_api.search_lessons", "GET"): (401, 200, 200, 200),
    ("search_api.search_text", "GET"): (401, 200, 200, 200),
}


#: What an answer may contain of B: the public check names the holder; the sign-in form
#: gives the attacker back the e-mail they typed.
SHOWN_BY_DESIGN = {"certificates.verify": {B_NAME}, "accounts.login": {B_EMAIL}}


def _call(api, browsers, people, rule, method, url, body, role):
    """One request as a role: bearer token on /api/, the browser (with CSRF token) elsewhere."""
    person = people[role]
    if rule.rule.startswith("/api/"):
        if rule.endpoint == "courses.import_package":
            return api.client.post(
                url,
                headers={"Authorization": f"Bearer {person.token}"} if person else {},
                data={"file": (io.BytesIO(package()), "engine-basics.zip")},
                content_type="multipart/form-data",
            )
        return api.call(
            method,
            url,
            token=person.token if person else None,
            json=None if method == "GET" else (body or {}),
        )
    browser = browsers[role]
    if method == "GET":
        return browser.get(url)
    data = dict(body or {})
    if rule.endpoint == "studio.upload":
        data["file"] = (io.BytesIO(package()), "engine-basics.zip")
    data["csrf_token"] = browser.csrf_token()
    return browser.open(url, method=method, data=data)


def observe(app, api, signed_in, w):
    values = foreign_values(app, w)
    sent = bodies(values)
    people = {"anonymous": None, "trainee": w.a, "trainer": w.kenitra, "expert": w.outsider}
    browsers = {role: signed_in(p.email if p else None) for role, p in people.items()}
    adapter = app.url_map.bind("localhost")
    seen, leaks, unknown_args = {}, [], set()
    # signing out last: it ends the browser's session for the rest of the walk
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"),
        key=lambda r: (r.endpoint == "accounts.logout", r.rule),
    )
    markers = [B_NAME, B_EMAIL, "Salé 2026", "Quatre temps", w.b.token]
    for rule in rules:
        missing = set(rule.arguments) - set(values)
        if missing:
            unknown_args |= missing
            continue
        args = {name: values[name] for name in rule.arguments}
        args.update(OVERRIDES.get(rule.endpoint, {}))
        if rule.endpoint in EXPORT_DOWNLOADS:
            args["job_id"] = w.export_job
        url = adapter.build(rule.endpoint, args)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            statuses = []
            for role in ROLES:
                response = _call(
                    api, browsers, people, rule, method, url, sent.get(rule.endpoint), role
                )
                statuses.append(response.status_code)
                text = response.get_data(as_text=True)
                allowed = SHOWN_BY_DESIGN.get(rule.endpoint, set())
                for marker in markers:
                    if marker in text and marker not in allowed:
                        leaks.append((rule.endpoint, method, role, marker))
                if rule.rule.startswith("/api/") and response.status_code >= 400:
                    if response.mimetype != "application/problem+json":
                        leaks.append((rule.endpoint, method, role, response.mimetype))
            seen[(rule.endpoint, method)] = tuple(statuses)
    return seen, leaks, unknown_args


def test_every_route_with_someone_elses_ids(app, api, signed_in, world):
    before = worldkit.snapshot(app, skip_columns={"session_version"})
    seen, leaks, unknown_args = observe(app, api, signed_in, world)
    after = worldkit.snapshot(app, skip_columns={"session_version"})
    assert not unknown_args, f"give a foreign value for the URL arguments {sorted(unknown_args)}"
    unclassified = sorted(set(seen) - set(EXPECTED))
    assert not unclassified, f"classify these routes in EXPECTED: {unclassified}"
    stale = sorted(set(EXPECTED) - set(seen))
    assert not stale, f"these routes are gone; remove them from EXPECTED: {stale}"
    wrong = {k: (EXPECTED[k], v) for k, v in seen.items() if EXPECTED[k] != v}
    assert not wrong, f"(expected, observed) for {ROLES}: {wrong}"
    assert not leaks, leaks
    assert worldkit.diff(before, after) == {}


# -- T10: one trainee on another's attempt ------------------------------------------------


def _attempt_row(app, attempt_id):
    with app.app_context():
        from elearn.quizzes.models import QuizAttempt

        row = db.session.get(QuizAttempt, attempt_id)
        return (row.status, dict(row.answers or {}), row.score, row.submitted_at)


def test_a_trainee_gets_nothing_of_anothers_attempt_by_page_or_form(app, api, signed_in, world):
    w = world
    a = signed_in(w.a.email)
    before = {i: _attempt_row(app, i) for i in (w.b_open, w.b_submitted)}
    prompt = "Épaisseur minimale"  # on B's attempt page, in French
    for attempt_id in (w.b_open, w.b_submitted):
        page = a.get(f"/attempts/{attempt_id}")
        assert page.status_code == 404
        text = page.get_data(as_text=True)
        assert B_NAME not in text and prompt not in text and "SECRET-FEEDBACK-B" not in text
        q1 = next(q for q in w.b_open_body["questions"] if q["id"] == "q1")
        for action in ("save", "submit"):
            posted = a.post_form(
                f"/attempts/{attempt_id}",
                {"q-q1": q1["choices"][0]["id"], "q-q3": "true", "action": action},
            )
            assert posted.status_code == 404
    assert {i: _attempt_row(app, i) for i in (w.b_open, w.b_submitted)} == before
    assert before[w.b_open][0] == "open"  # still B's to finish
    # and B still can: the attempt was not spent by the attacker
    assert api.get(f"/api/v1/attempts/{w.b_open}", token=w.b.token).status_code == 200


def _same_page(text, *variable):
    """A page with its per-request parts (CSRF token, nonce) and the asked path blanked."""
    import re

    # the CSRF token is signed with a timestamp: two requests a second apart differ
    text = re.sub(r'(csrf-token" content|name="csrf_token" value|nonce)="[^"]*"', "", text)
    for value in variable:
        text = text.replace(value, "ID")
    return text


def test_a_foreign_object_answers_exactly_like_a_missing_one(app, api, signed_in, world):
    """A 404 for B's object is the 404 of an object that does not exist: same status, same
    body, so ids cannot be probed for existence."""
    w = world
    missing = 999_999
    web = [
        (w.a, "/attempts/{}", w.b_submitted, missing),
        (w.a, "/certificates/{}", w.b_certificate, "ZZZZ-ZZZZ-ZZZZ"),
        (w.kenitra, "/cohorts/{}", w.sale_cohort, missing),
        (w.kenitra, "/cohorts/{}/progress.csv", w.sale_cohort, missing),
        (w.kenitra, "/jobs/{}/download", w.export_job, missing),
        (w.outsider, "/studio/{}", DRAFT, "no-such-course"),
        (w.outsider, "/courses/{}/media/engine.png", DRAFT, "no-such-course"),
    ]
    for person, url, foreign, absent in web:
        browser = signed_in(person.email)
        one, two = browser.get(url.format(foreign)), browser.get(url.format(absent))
        assert one.status_code == two.status_code == 404, url
        assert _same_page(one.get_data(as_text=True), url.format(foreign)) == _same_page(
            two.get_data(as_text=True), url.format(absent)
        ), url
    calls = [
        (w.a, "GET", "/api/v1/attempts/{}", w.b_submitted, missing),
        (w.a, "POST", "/api/v1/attempts/{}/submit", w.b_open, missing),
        (w.a, "DELETE", "/api/v1/tokens/{}", w.b_token_id, missing),
        (w.kenitra, "GET", "/api/v1/cohorts/{}/progress", w.sale_cohort, missing),
        (w.kenitra, "GET", "/api/v1/jobs/{}/download", w.export_job, missing),
        (w.kenitra, "POST", "/api/v1/cohorts/{}/exports", w.sale_cohort, missing),
        (w.kenitra, "GET", "/api/v1/users/{}", w.b.id, missing),
        (w.outsider, "GET", "/api/v1/courses/{}", DRAFT, "no-such-course"),
        (w.outsider, "GET", "/api/v1/courses/{}/export", DRAFT, "no-such-course"),
    ]
    for person, method, url, foreign, absent in calls:
        body = {"answers": {}} if method == "POST" else None
        if url.endswith("/exports"):
            body = {"kind": "csv"}
        one = api.call(method, url.format(foreign), token=person.token, json=body)
        two = api.call(method, url.format(absent), token=person.token, json=body)
        assert one.status_code == two.status_code == 404, url
        assert one.get_json() == two.get_json(), url


# -- T11: trainers and attempts -----------------------------------------------------------


def test_trainers_read_only_the_attempts_of_their_cohorts(app, api, signed_in, world):
    w = world
    url = f"/api/v1/attempts/{w.b_open}"
    before = _attempt_row(app, w.b_open)
    # the Salé trainer follows B: may read, never answer or submit for B
    assert api.get(url, token=w.sale.token).status_code == 200
    assert (
        api.call("PUT", url + "/answers", token=w.sale.token, json={"answers": {}}).status_code
        == 403
    )
    assert api.post(url + "/submit", token=w.sale.token, json={"answers": {}}).status_code == 403
    sale = signed_in(w.sale.email)
    assert sale.get(f"/attempts/{w.b_open}").status_code == 200
    assert (
        sale.post_form(f"/attempts/{w.b_open}", {"q-q3": "true", "action": "submit"}).status_code
        == 403
    )
    # Kénitra's trainer does not follow B: nothing at all
    kenitra = signed_in(w.kenitra.email)
    assert api.get(url, token=w.kenitra.token).status_code == 404
    assert api.post(url + "/submit", token=w.kenitra.token, json={}).status_code == 404
    assert kenitra.get(f"/attempts/{w.b_submitted}").status_code == 404
    assert _attempt_row(app, w.b_open) == before
    # once B leaves Salé's cohort, Salé's trainer stops seeing B's attempts
    # -- trainer (issue 17): removing says why
    removed = sale.post_form(
        f"/cohorts/{w.sale_cohort}/members/{w.b.id}/remove", {"reason": "A quitté la formation"}
    )
    assert removed.status_code == 303
    assert api.get(url, token=w.sale.token).status_code == 404
    assert sale.get(f"/attempts/{w.b_submitted}").status_code == 404


# -- T12: a trainer's own cohort, with another cohort's id slipped in ---------------------


def test_a_trainers_own_export_and_stats_never_mix_in_another_cohort(api, signed_in, world):
    w = world
    own, other = w.ken_cohort, w.sale_cohort
    kenitra = signed_in(w.kenitra.email)
    polluted = f"cohort_id={other}&cohort={other}&id={other}"
    for fetch in (
        lambda: kenitra.get(f"/cohorts/{own}/progress.csv?{polluted}"),
        lambda: api.get(f"/api/v1/cohorts/{own}/progress.csv?{polluted}", token=w.kenitra.token),
        lambda: api.get(f"/api/v1/cohorts/{own}/progress?{polluted}", token=w.kenitra.token),
        lambda: kenitra.get(f"/cohorts/{own}?{polluted}"),
    ):
        response = fetch()
        text = response.get_data(as_text=True)  # read (streamed CSV) before the next request
        assert response.status_code == 200
        assert w.k.email in text or "Stagiaire Kénitra" in text  # the trainer's own trainee
        assert B_EMAIL not in text and B_NAME not in text
    items = kenitra.get(f"/cohorts/{own}/items?{polluted}")
    assert items.status_code == 200 and B_NAME not in items.get_data(as_text=True)
    # another cohort's trainee through the trainer's own cohort: not a member, 404
    assert kenitra.get(f"/cohorts/{own}/trainees/{w.b.id}").status_code == 404
    # a course the cohort does not follow: 404, not another course's grid
    assert kenitra.get(f"/cohorts/{own}/progress.csv?course={DRAFT}").status_code == 404
    # item statistics: whichever of two cohorts comes first, never Salé's answers
    for query in (f"cohort={own}&cohort={other}", f"cohort={other}&cohort={own}"):
        stats = api.get(f"/api/v1/courses/{SLUG}/quiz-stats?{query}", token=w.kenitra.token)
        assert stats.status_code in (200, 404), query
        if stats.status_code == 200:
            body = stats.get_json()
            assert body["cohort"] == own
            assert all(entry["trainees"] == 0 for entry in body["quizzes"])  # K never tried
    listed = api.get("/api/v1/cohorts?centre=SALE&cohort=" + str(other), token=w.kenitra.token)
    assert [c["id"] for c in listed.get_json()["items"]] == [own]


# -- T13: an expert of another network on a published course ------------------------------


def test_an_expert_of_another_network_gets_no_studio_of_a_published_course(
    app, api, signed_in, world
):
    """``brakes`` is DMK's and published: the AEROMAC expert may see it in the catalogue, but
    not its working copy, its editor, its trainees' answers or its package."""
    w = world
    before = worldkit.snapshot(app)
    outsider = signed_in(w.outsider.email)
    for url in (
        f"/studio/{SLUG}",
        f"/studio/{SLUG}/settings",
        f"/studio/{SLUG}/questions",  # item analysis of DMK's trainees
        f"/studio/{SLUG}/media",
        f"/studio/{SLUG}/export",
        f"/studio/{SLUG}/translations",
        f"/studio/{SLUG}/modules/checks/quiz",  # the answer key
        f"/studio/{SLUG}/modules/checks/lessons/pads/edit",
        f"/studio/{SLUG}/modules/checks/lessons/pads/history",
    ):
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert "SECRET-FEEDBACK-B" not in response.get_data(as_text=True)
    for url, data in (
        (f"/studio/{SLUG}/modules/checks/quiz", {"yaml": "title: {fr: Piraté}"}),
        (f"/studio/{SLUG}/modules/checks/lessons/pads/edit", {"title": "x", "markdown": "x"}),
        (f"/studio/{SLUG}/modules/checks/archive", {}),
        (f"/studio/{SLUG}/submit", {}),
    ):
        assert outsider.post_form(url, data).status_code == 404, url
    token = w.outsider.token
    lesson = f"/api/v1/courses/{SLUG}/modules/checks/lessons/pads"
    for method, url, body in (
        ("GET", f"/api/v1/courses/{SLUG}/export", None),
        ("GET", f"/api/v1/courses/{SLUG}/translations", None),
        ("GET", f"/api/v1/courses/{SLUG}/quiz-stats", None),
        ("GET", lesson, None),  # not enrolled, not an author
        ("PUT", lesson, {"lang": "fr", "title": "Piraté", "markdown": "Piraté"}),
        ("POST", f"/api/v1/courses/{SLUG}/submit", None),
        (
            "POST",
            f"/api/v1/courses/{SLUG}/media/uploads",
            {"filename": "x.png", "content_type": "image/png", "size": 68},
        ),
    ):
        response = api.call(method, url, token=token, json=body)
        assert response.status_code == 403, (method, url, response.status_code)
    detail = api.get(f"/api/v1/courses/{SLUG}", token=token).get_json()
    assert detail["status"] == "published"  # the published outline, as any reader
    assert "SECRET-FEEDBACK-B" not in json.dumps(detail, ensure_ascii=False)
    assert worldkit.diff(before, worldkit.snapshot(app)) == {}


# -- T14: media -----------------------------------------------------------------------------


def test_media_are_looked_up_in_their_own_course(api, signed_in, world):
    """``engine.png`` belongs to DMK's draft: asking for it through ``brakes``, which the
    trainee and the Salé trainer may read, finds nothing."""
    w = world
    reader = signed_in(w.a.email)
    trainer = signed_in(w.sale.email)
    for browser in (reader, trainer):
        for path in (
            f"/courses/{SLUG}/media/engine.png",
            f"/courses/{SLUG}/media/../{DRAFT}/media/engine.png",
            f"/courses/{SLUG}/media/%2e%2e/%2e%2e/{DRAFT}/media/engine.png",
            f"/courses/{DRAFT}/media/engine.png",
        ):
            assert browser.get(path).status_code == 404, path
    author = signed_in(w.expert.email)  # it exists: its author gets a short-lived URL
    assert author.get(f"/courses/{DRAFT}/media/engine.png").status_code == 302


# -- T16: identity ----------------------------------------------------------------------


def test_identity_comes_from_the_token_never_the_body(app, api, world):
    """A names K (Kénitra's trainee, enrolled through the cohort) in every way a body or a
    header could: everything happens to A, nothing to K."""
    w = world
    victim = {"user_id": w.k.id, "user": w.k.id, "member": w.k.email, "email": w.k.email}
    headers = {"X-User-Id": str(w.k.id), "X-Forwarded-User": w.k.email}
    done = api.call("POST", LESSONS[0] + "/complete", token=w.a.token, json=victim, headers=headers)
    assert done.status_code == 200 and done.get_json()["course_progress_percent"] > 0
    started = api.call("POST", QUIZ, token=w.a.token, json=victim, headers=headers)
    assert started.status_code == 201
    mine = api.get("/api/v1/me/courses", token=w.a.token).get_json()[0]
    assert mine["completed_lessons"] == 1
    theirs = api.get("/api/v1/me/courses", token=w.k.token).get_json()[0]
    assert theirs["completed_lessons"] == 0 and theirs["quizzes"][0]["attempts_used"] == 0
    with app.app_context():
        from elearn.quizzes.models import QuizAttempt

        owner = db.session.scalar(
            select(QuizAttempt.user_id).where(QuizAttempt.id == started.get_json()["id"])
        )
        assert owner == w.a.id
        assert not db.session.scalar(
            select(func.count()).select_from(QuizAttempt).where(QuizAttempt.user_id == w.k.id)
        )
