"""Cohorts: trainees of a centre following courses together, and their trainers."""
