"""Trainees' side: catalogue, course pages and the lesson reader (enrolment and progress
come with the learning issue)."""
