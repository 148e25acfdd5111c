"""The progress rule on its own, without a database or HTTP: what makes a module and a course
complete, what the percent counts, and what the next step is (``learning/progress.py``).

Every page that says how far someone is — the course page, My learning, the quiz result,
the API, certificates, the trainer's dashboard and its exports — goes through
``progress.state_of``, so these tests are the rule for all of them."""

from __future__ import annotations

from types import MappingProxyType

from elearn.authoring.published import Entry, Outline, PublishedLesson, PublishedModule
from elearn.learning.progress import QuizResult, counted_modules, state_of

PASSED = QuizResult(best_percent=80.0, passed=True, attempts_used=1, last_passed=True)
FAILED = QuizResult(best_percent=40.0, passed=False, attempts_used=1, last_passed=False)


def outline(*modules: tuple[str, list[str], bool]) -> Outline:
    """An outline as ``published.build`` makes it: (module slug, lesson slugs, has a quiz);
    module ids count from 1, lesson ids from 101, quiz ids from 1001."""
    built, entries, lessons = [], [], {}
    lesson_id = 100
    for position, (slug, lesson_slugs, has_quiz) in enumerate(modules, start=1):
        module = PublishedModule(
            id=position,
            slug=slug,
            published={"position": position, "title": {"fr": slug.title()}},
            quiz={"pass_mark": 70, "max_attempts": 2, "question_count": 3} if has_quiz else None,
            quiz_id=1000 + position if has_quiz else None,
        )
        built.append(module)
        lessons[module.id] = ()
        for lesson_position, lesson_slug in enumerate(lesson_slugs, start=1):
            lesson_id += 1
            lesson = PublishedLesson(
                lesson_id, lesson_slug, {"position": lesson_position}, {"fr": lesson_slug}
            )
            lessons[module.id] += (lesson,)
            entries.append(Entry(module, lesson))
    return Outline(tuple(entries), tuple(built), MappingProxyType(lessons))


BRAKES = outline(("checks", ["pads", "fluid"], True), ("road", ["test"], False))


def test_a_module_is_complete_when_its_lessons_are_read_and_its_quiz_passed():
    read_all = state_of(BRAKES, {}, done={101, 102})
    checks = read_all.modules[0]
    assert (checks.lessons, checks.done) == (2, 2)
    assert checks.lessons_done and not checks.complete  # the quiz is still to pass
    assert checks.status == "in_progress"
    assert read_all.next_quiz == "checks"

    failed = state_of(BRAKES, {1001: FAILED}, done={101, 102})
    assert not failed.modules[0].complete and failed.modules[0].best_percent == 40.0

    passed = state_of(BRAKES, {1001: PASSED}, done={101, 102})
    assert passed.modules[0].complete and passed.modules[0].status == "complete"
    assert passed.next_quiz is None

    # a passed quiz does not make up for an unread lesson
    quiz_only = state_of(BRAKES, {1001: PASSED}, done={101})
    assert not quiz_only.modules[0].complete and quiz_only.modules[0].passed


def test_a_module_without_a_quiz_is_complete_once_its_lessons_are_read():
    state = state_of(BRAKES, {}, done={103})
    assert state.modules[1].complete and state.modules[1].quiz is None
    assert not state.complete  # the other module is not


def test_a_course_is_complete_when_every_module_is_and_the_percent_reaches_100_then_only():
    nothing = state_of(BRAKES, {})
    assert nothing.percent == 0 and not nothing.started
    assert [m.status for m in nothing.modules] == ["not_started", "not_started"]
    assert nothing.next_lesson == {"module": "checks", "lesson": "pads"}

    # three lessons and one quiz: each counts for a quarter
    most = state_of(BRAKES, {1001: FAILED}, done={101, 102, 103})
    assert most.percent == 75 and not most.complete
    assert most.completed_lessons == 3 and most.total_lessons == 3
    assert most.next_lesson is None and most.next_quiz == "checks"

    whole = state_of(BRAKES, {1001: PASSED}, done={101, 102, 103})
    assert whole.percent == 100 and whole.complete
    assert whole.done_slugs == {("checks", "pads"), ("checks", "fluid"), ("road", "test")}
    assert whole.quiz_results() == [
        {
            "module": "checks",
            "title": {"fr": "Checks"},
            "best_percent": 80.0,
            "passed": True,
            "attempts_used": 1,
        }
    ]


def test_attempts_alone_start_a_module():
    state = state_of(BRAKES, {1001: FAILED})
    assert state.modules[0].status == "in_progress" and state.started
    assert state.modules[0].attempts == 1


def test_a_lesson_outside_the_published_outline_never_counts():
    # 999: a lesson the trainee read before it was archived or taken out of the package;
    # the outline (published.build) no longer holds it, so neither does any state
    state = state_of(BRAKES, {}, done={101, 999})
    assert state.completed_lessons == 1 and state.percent == 25
    assert state.modules[0].done == 1

    # the next publication takes "fluid" out: the module is complete with "pads" alone
    without_fluid = outline(("checks", ["pads"], True), ("road", ["test"], False))
    after = state_of(without_fluid, {1001: PASSED}, done={101, 102, 103})
    assert after.complete and after.percent == 100 and after.total_lessons == 2


def test_a_module_that_asks_nothing_is_left_out_and_an_empty_course_is_never_complete():
    with_empty = outline(("intro", [], False), ("checks", ["pads"], True))
    assert [m.slug for m in counted_modules(with_empty)] == ["checks"]
    state = state_of(with_empty, {1002: PASSED}, done={101})
    assert [m.slug for m in state.modules] == ["checks"] and state.complete

    quiz_only = outline(("exam", [], True))
    assert state_of(quiz_only, {1001: PASSED}).complete
    assert state_of(quiz_only, {}).percent == 0

    empty = state_of(outline(("intro", [], False)), {})
    assert empty.modules == () and not empty.complete and empty.percent == 0


def test_counting_per_module_gives_the_states_the_lesson_ids_give():
    """The dashboard knows how many lessons each trainee read per module, not which; the
    states it gets must be the trainee's own."""
    cases = [
        (set(), {}),
        ({101}, {1001: FAILED}),
        ({101, 102}, {1001: FAILED}),
        ({101, 102, 103}, {1001: PASSED}),
        ({103}, {1001: PASSED}),
    ]
    for done, quizzes in cases:
        by_id = state_of(BRAKES, quizzes, done=done)
        per_module = {
            m.id: len({ls.id for ls in BRAKES.lessons[m.id]} & done) for m in BRAKES.modules
        }
        by_count = state_of(BRAKES, quizzes, done_per_module=per_module)
        assert by_count.modules == by_id.modules, done
        assert (by_count.percent, by_count.complete) == (by_id.percent, by_id.complete)
