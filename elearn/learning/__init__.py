"""Trainees' side: catalogue, course pages, the lesson reader, enrolment, progress
(progress.py: the one rule for lessons read, modules and courses complete) and
certificates."""
