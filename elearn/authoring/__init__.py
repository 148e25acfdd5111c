"""Courses written by experts: modules, bilingual lessons, quizzes, packages, review."""
