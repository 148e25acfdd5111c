"""Item analysis and competency mastery, on figures a trainer can recompute by hand."""

from __future__ import annotations

from elearn.cohorts.stats import AttemptRecord, competency_mastery, item_analysis

QUIZ = [
    {
        "key": "q1",
        "type": "single",
        "spec": {
            "type": "single",
            "points": 1,
            "choices": [
                {"id": "a", "correct": False},
                {"id": "b", "correct": True},
                {"id": "c", "correct": False},
            ],
        },
    },
    {
        "key": "q2",
        "type": "true_false",
        "spec": {"type": "true_false", "points": 1, "answer": True},
    },
    {
        "key": "q3",
        "type": "multiple",
        "spec": {
            "type": "multiple",
            "points": 2,
            "choices": [
                {"id": "a", "correct": True},
                {"id": "b", "correct": True},
                {"id": "c", "correct": False},
            ],
        },
    },
    # added to the quiz after trainees 3, 5 and 9 had begun their attempt
    {
        "key": "q4",
        "type": "short_text",
        "spec": {"type": "short_text", "points": 1, "accept": {"fr": ["terre"]}},
    },
    {"key": "q5", "type": "numeric", "spec": {"type": "numeric", "points": 2, "answer": 10}},
]
POINTS = {q["key"]: q["spec"]["points"] for q in QUIZ}

LATE = "not in this attempt"  # the question did not exist when the attempt began
BLANK = "not answered"  # the key is missing from the attempt's answers
Y, N = True, False

# One row per trainee: (answer, correct?) for q1..q5. Score = points of the right answers,
# max = points of the questions in the attempt (7, or 6 without q4).
#     user  q1 (1 pt)    q2 (1 pt)   q3 (2 pts)         q4 (1 pt)         q5 (2 pts)
ROWS = [
    (1, ("b", Y), (True, Y), (["a", "c"], N), ("terre", Y), ("10", Y)),  # 5/7 = .714
    (2, ("b", Y), (True, Y), (["a"], N), ("Terre", Y), ("10", Y)),  # 5/7 = .714
    (3, ("b", Y), (True, Y), (["a", "c"], N), LATE, ("10", Y)),  # 4/6 = .667
    (4, ("b", Y), (True, Y), (["a", "b"], Y), ("Masse", N), ("12,5", N)),  # 4/7 = .571
    (5, (BLANK, N), (True, Y), (["a", "b"], Y), LATE, ("12.5", N)),  # 3/6 = .500
    (6, ("b", Y), (True, Y), (["a", "c"], N), (" masse", N), ("10", Y)),  # 4/7 = .571
    (7, (None, N), (True, Y), (["a", "b"], Y), ("terre", Y), ("12,5", N)),  # 4/7 = .571
    (8, ("a", N), (True, Y), (["a", "b"], Y), ("MASSE", N), ("8", N)),  # 3/7 = .429
    (9, (BLANK, N), (True, Y), (["b"], N), LATE, ("12,5", N)),  # 1/6 = .167
    (10, ("a", N), (True, Y), (["a", "b"], Y), ("neutre", N), ("12.5", N)),  # 3/7 = .429
]
# Ranked: 1, 2, 3 | 4, 6, 7, 5 | 8, 10, 9. Ten trainees: groups of round(0.27 * 10) = 3, so
# the upper group is trainees 1, 2, 3 and the lower group trainees 8, 10, 9.


def record(user_id: int, *cells) -> AttemptRecord:
    results, answers = {}, {}
    for question, cell in zip(QUIZ, cells, strict=True):
        if cell == LATE:
            continue
        key, (value, right) = question["key"], cell
        results[key] = {"correct": right, "points": float(POINTS[key]) if right else 0.0}
        if value != BLANK:
            answers[key] = value
    score = sum(r["points"] for r in results.values())
    return AttemptRecord(user_id, score, float(sum(POINTS[k] for k in results)), results, answers)


ATTEMPTS = [record(*row) for row in ROWS]


def by_key(stats: list[dict]) -> dict[str, dict]:
    return {s["key"]: s for s in stats}


def test_the_fixture_scores_are_the_ones_written_beside_it():
    assert [(a.score, a.max_score) for a in ATTEMPTS] == [
        (5, 7), (5, 7), (4, 6), (4, 7), (3, 6), (4, 7), (4, 7), (3, 7), (1, 6), (3, 7),
    ]  # fmt: skip


def test_results_come_back_in_quiz_order():
    assert [s["key"] for s in item_analysis(QUIZ, ATTEMPTS)] == ["q1", "q2", "q3", "q4", "q5"]


def test_an_item_the_strong_get_right_and_the_weak_wrong_discriminates_fully():
    q1 = by_key(item_analysis(QUIZ, ATTEMPTS))["q1"]
    # right: 1, 2, 3, 4, 6; upper 1, 2, 3 all right, lower 8, 10, 9 all wrong
    assert (q1["attempts"], q1["correct"], q1["percent_correct"]) == (10, 5, 50.0)
    assert q1["discrimination"] == 1.0


def test_an_item_everyone_gets_right_does_not_discriminate():
    q2 = by_key(item_analysis(QUIZ, ATTEMPTS))["q2"]
    assert (q2["attempts"], q2["correct"], q2["percent_correct"]) == (10, 10, 100.0)
    assert q2["discrimination"] == 0.0
    assert q2["top_wrong"] is None


def test_an_inverted_item_has_a_negative_index():
    q3 = by_key(item_analysis(QUIZ, ATTEMPTS))["q3"]
    # upper 0/3 right, lower 2/3 right (8 and 10, not 9): 0 - 0.666… = -0.67
    assert (q3["attempts"], q3["correct"], q3["percent_correct"]) == (10, 5, 50.0)
    assert q3["discrimination"] == -0.67


def test_a_question_added_later_counts_only_the_attempts_that_showed_it():
    q4 = by_key(item_analysis(QUIZ, ATTEMPTS))["q4"]
    # 7 attempts held q4 (not 3, 5, 9); right: 1, 2, 7 → 3/7 = 42.857… %
    assert (q4["attempts"], q4["correct"], q4["percent_correct"]) == (7, 3, 42.9)
    # the groups stay those of the whole quiz, restricted to who met q4: upper 1, 2 (2/2
    # right), lower 8, 10 (0/2). Counting trainee 3 as wrong would have given 0.67.
    assert q4["discrimination"] == 1.0


def test_a_question_nobody_met_has_no_figures():
    extra = [*QUIZ, {"key": "q9", "type": "single", "spec": {"type": "single"}}]
    q9 = by_key(item_analysis(extra, ATTEMPTS))["q9"]
    assert q9 == {
        "key": "q9",
        "attempts": 0,
        "correct": 0,
        "percent_correct": None,
        "discrimination": None,
        "top_wrong": None,
        "versions": [],
    }


def test_no_index_when_a_group_never_met_the_question():
    # five trainees, groups of one: the best trainee (1) began before q4 existed
    five = [
        record(1, ("b", Y), (True, Y), (["a", "b"], Y), LATE, ("10", Y)),
        *ATTEMPTS[3:7],
    ]
    stats = by_key(item_analysis(QUIZ, five))
    assert stats["q4"]["attempts"] == 3 and stats["q4"]["discrimination"] is None
    assert stats["q1"]["discrimination"] is not None


def test_top_wrong_single_is_the_author_choice_id_and_ignores_unanswered():
    q1 = by_key(item_analysis(QUIZ, ATTEMPTS))["q1"]
    # wrong: 5 (no answer), 7 (None), 9 (no answer), 8 "a", 10 "a": three blanks do not
    # outnumber the two "a", they are not an answer
    assert q1["top_wrong"] == {"value": "a", "count": 2}


def test_top_wrong_multiple_is_the_sorted_list_of_ids():
    q3 = by_key(item_analysis(QUIZ, ATTEMPTS))["q3"]
    # wrong: ["a", "c"] by 1, 3, 6; ["a"] by 2; ["b"] by 9
    assert q3["top_wrong"] == {"value": ["a", "c"], "count": 3}


def test_top_wrong_short_text_groups_what_fold_makes_equal():
    q4 = by_key(item_analysis(QUIZ, ATTEMPTS))["q4"]
    # "Masse", " masse" and "MASSE" are one answer; "neutre" another
    assert q4["top_wrong"] == {"value": "masse", "count": 3}


def test_top_wrong_numeric_groups_by_value_and_shows_the_usual_spelling():
    q5 = by_key(item_analysis(QUIZ, ATTEMPTS))["q5"]
    # right: 1, 2, 3, 6 → 4/10; wrong "12,5" by 4, 7, 9; "12.5" by 5, 10; "8" by 8. Graded
    # as the same number, "12,5" and "12.5" are one wrong answer (5), written "12,5" most.
    assert (q5["attempts"], q5["correct"], q5["percent_correct"]) == (10, 4, 40.0)
    assert q5["top_wrong"] == {"value": "12,5", "count": 5}


def test_top_wrong_true_false_is_the_bool():
    question = {"key": "tf", "type": "true_false", "spec": {"type": "true_false", "answer": True}}
    attempts = [
        AttemptRecord(1, 0, 1, {"tf": {"correct": False, "points": 0}}, {"tf": False}),
        AttemptRecord(2, 0, 1, {"tf": {"correct": False, "points": 0}}, {"tf": False}),
        AttemptRecord(3, 1, 1, {"tf": {"correct": True, "points": 1}}, {"tf": True}),
        AttemptRecord(4, 0, 1, {"tf": {"correct": False, "points": 0}}, {}),
    ]
    [stats] = item_analysis([question], attempts)
    assert stats["top_wrong"] == {"value": False, "count": 2}
    assert stats["top_wrong"]["value"] is False
    assert (stats["correct"], stats["percent_correct"]) == (1, 25.0)


def test_top_wrong_ties_go_to_the_smaller_value():
    question = {"key": "q", "type": "single", "spec": {"type": "single"}}
    wrong = {"q": {"correct": False, "points": 0}}
    attempts = [
        AttemptRecord(1, 0, 1, wrong, {"q": "c"}),
        AttemptRecord(2, 0, 1, wrong, {"q": "a"}),
    ]
    assert item_analysis([question], attempts)[0]["top_wrong"] == {"value": "a", "count": 1}
    assert item_analysis([question], attempts[::-1])[0]["top_wrong"] == {"value": "a", "count": 1}


def test_too_few_trainees_give_no_index_but_still_percentages():
    four = ATTEMPTS[:4]
    stats = by_key(item_analysis(QUIZ, four))
    assert [s["discrimination"] for s in stats.values()] == [None] * 5
    assert stats["q1"]["percent_correct"] == 100.0 and stats["q3"]["percent_correct"] == 25.0
    # allowed down to four: groups of round(0.27 * 4) = 1, trainee 1 against trainee 4
    stats = by_key(item_analysis(QUIZ, four, min_for_discrimination=4))
    assert stats["q1"]["discrimination"] == 0.0  # both right
    assert stats["q3"]["discrimination"] == -1.0  # 1 wrong, 4 right


def test_equal_scores_are_ranked_by_user_id_whatever_the_order_given():
    question = {"key": "q", "type": "single", "spec": {"type": "single"}}

    def attempt(user_id: int, right: bool, max_score: float = 4) -> AttemptRecord:
        return AttemptRecord(user_id, 2, max_score, {"q": {"correct": right, "points": 0}}, {})

    # four trainees at 2/4 and trainee 1, whose quiz was worth nothing (ratio 0): groups of
    # round(0.27 * 5) = 1, the smallest id of the tie on top (3, right), 1 at the bottom
    attempts = [attempt(7, False), attempt(3, True), attempt(1, False, 0)]
    attempts += [attempt(5, False), attempt(4, False)]
    forward = item_analysis([question], attempts)
    assert forward[0]["discrimination"] == 1.0
    assert item_analysis([question], attempts[::-1]) == forward


def test_competency_mastery_weighs_lessons_one_and_questions_their_points():
    lessons = [(12, ["C2"]), (10, ["C1"]), (11, ["C1", "C2"]), (13, [])]
    completed = {10, 11, 13}
    questions = [("1:q1", ["C1"], 2.0), ("1:q2", ["C2"], 3.0), ("2:q1", ["C1", "C2"], 1.0)]
    earned = {"1:q1": 2.0, "1:q2": 0.0}  # no attempt at quiz 2 yet
    mastery = competency_mastery(lessons, completed, questions, earned)
    # C1: lessons 10 ✓ 11 ✓ (2 of 2) + points 2 of 2 (1:q1) + 0 of 1 (2:q1) = 4 / 5 = 80 %
    # C2: lessons 11 ✓ 12 ✗ (1 of 2) + points 0 of 3 (1:q2) + 0 of 1 (2:q1) = 1 / 6 = 16.7 %
    assert mastery == {"C1": 80, "C2": 17}
    assert list(mastery) == ["C1", "C2"]


def test_competency_mastery_rounds_halves_up_and_caps_points():
    lessons = [(i, ["C3"]) for i in range(8)]
    assert competency_mastery(lessons, set(range(5)), [], {}) == {"C3": 63}  # 5/8 = 62.5 %
    # points earned before the author lowered the question to 1 point count as 1
    assert competency_mastery([], set(), [("1:q", ["C4"], 1.0)], {"1:q": 2.0}) == {"C4": 100}
    assert competency_mastery([], set(), [("1:q", ["C5"], 0.0)], {}) == {"C5": None}
    assert competency_mastery([(1, [])], {1}, [("1:q", [], 2.0)], {}) == {}
