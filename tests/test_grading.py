"""Grading rules, type by type: what a trainee in Kénitra may type and how it is read."""

from __future__ import annotations

import pytest

from elearn.quizzes.grading import grade, parse_number, passed, percent

SINGLE = {
    "type": "single",
    "points": 1,
    "choices": [{"id": "a", "correct": False}, {"id": "b", "correct": True}],
}
MULTIPLE = {
    "type": "multiple",
    "points": 2,
    "choices": [
        {"id": "a", "correct": True},
        {"id": "b", "correct": True},
        {"id": "c", "correct": False},
    ],
}
TRUE_FALSE = {"type": "true_false", "points": 1, "answer": False}
NUMERIC = {"type": "numeric", "points": 2, "answer": 12.5, "tolerance": 0.1}
EXACT = {"type": "numeric", "points": 1, "answer": 6.35}
SHORT = {
    "type": "short_text",
    "points": 1,
    "accept": {"fr": ["masse", "la masse", "élément"], "ar": ["الأرضي", "المكونة"]},
}


def test_single_takes_the_one_correct_choice():
    assert grade(SINGLE, "b").correct and grade(SINGLE, "b").points == 1
    for wrong in ("a", "z", ["b"], None, "", 1, True):
        assert grade(SINGLE, wrong).correct is False


def test_multiple_is_all_or_nothing():
    assert grade(MULTIPLE, ["b", "a"]).points == 2
    assert grade(MULTIPLE, ["a", "b", "a"]).correct  # a repeated tick is still one tick
    assert not grade(MULTIPLE, ["a"]).correct  # half right is wrong
    assert not grade(MULTIPLE, ["a", "b", "c"]).correct  # ticking everything is wrong
    assert grade(MULTIPLE, ["a", "b", "c"]).points == 0
    assert not grade(MULTIPLE, "ab").correct and not grade(MULTIPLE, [1, 2]).correct


def test_true_false_reads_booleans_and_form_values():
    assert grade(TRUE_FALSE, False).correct and grade(TRUE_FALSE, "false").correct
    assert grade(TRUE_FALSE, " FALSE ").correct
    assert not grade(TRUE_FALSE, True).correct and not grade(TRUE_FALSE, "true").correct
    assert not grade(TRUE_FALSE, 0).correct  # 0 is not an answer to a true/false question
    assert not grade(TRUE_FALSE, "no").correct


@pytest.mark.parametrize(
    "typed",
    ["12.5", "12,5", " 12,5 ", "12,50", "١٢٫٥", "١٢,٥", "١٢.٥", "۱۲٫۵", "12.45", "12,6", 12.5, 12],
)
def test_numeric_accepts_french_english_and_arabic_indic_writing(typed):
    expected = typed != 12  # 12 is 0.5 away: outside the tolerance
    assert grade(NUMERIC, typed).correct is expected


@pytest.mark.parametrize("typed", ["12.7", "1 2,5 V", "douze", "", "12,5,1", "nan", "inf", True])
def test_numeric_refuses_what_is_not_that_number(typed):
    assert grade(NUMERIC, typed).correct is False


def test_numeric_without_tolerance_survives_floating_point():
    assert grade(EXACT, "6,35").correct and grade(EXACT, "6.350").correct
    assert not grade(EXACT, "6,36").correct
    assert parse_number("1 000,5") == 1000.5 and parse_number("١٬٠٠٠") == 1000
    assert parse_number("−3") == -3 and parse_number("x" * 100) is None


@pytest.mark.parametrize(
    "typed",
    [
        "masse",
        "  La Masse ",
        "MASSE",
        "element",  # accents folded: the phone had no é
        "ÉLÉMENT",
        "الأرضي",
        "الارضي",  # alef without hamza
        "الأرضيّ",  # with a shadda
        "الأرضـــي",  # tatweel
        "المكونه",  # ha for ta marbuta
        "la   masse",
    ],
)
def test_short_text_is_compared_after_normalisation(typed):
    assert grade(SHORT, typed).correct


@pytest.mark.parametrize("typed", ["mass", "la masse électrique", "الأرض", "", None, ["masse"]])
def test_short_text_still_needs_the_answer(typed):
    assert grade(SHORT, typed).correct is False


def test_percent_and_pass_mark_never_round_up_into_a_pass():
    assert percent(2, 3) == 66.6 and percent(7, 10) == 70.0 and percent(0, 0) == 0
    assert passed(7, 10, 70) and not passed(6.9, 10, 70)
    assert not passed(2, 3, 67)  # 66.67 % is below 67 %, although it would round to it
    assert passed(0, 5, 0) and not passed(0, 0, 0)
