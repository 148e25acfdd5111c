"""Quizzes: attempts with a fixed order and deadline, answers saved as the trainee goes,
grading on the server only."""
