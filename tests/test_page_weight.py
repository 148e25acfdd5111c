"""The lesson page stays light for a modest phone: HTML + CSS + JS under 60 KB (media
excluded), measured the same way as ``bench/page_weight.py``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("page_weight", ROOT / "bench" / "page_weight.py")
page_weight = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page_weight)


def test_the_heaviest_sample_lesson_and_the_quiz_page_fit_the_budget(app, client, make):
    course = ROOT / "courses" / "aero-riveting-structures"  # the longest practical lesson
    result = app.test_cli_runner().invoke(args=["courses", "import", str(course), "--publish"])
    assert result.exit_code == 0, result.output
    client.login(make.user("trainee").email)
    client.post_form("/courses/aero-riveting-structures/enrol")
    lesson = (
        "/courses/aero-riveting-structures/modules/riveting-practice/lessons/workshop-lap-joint"
    )
    for lang in ("fr", "ar"):
        sizes = page_weight.weigh(client, f"{lesson}?lang={lang}")
        assert sizes["html"] > 5_000 and sizes["css"] > 5_000  # really the page and its CSS
        assert sizes["total"] <= page_weight.BUDGET_KB * 1000, sizes
    started = client.post_form(
        "/courses/aero-riveting-structures/modules/structures-and-rivets/quiz/attempts"
    )
    quiz = page_weight.weigh(client, started.headers["Location"])
    assert quiz["js"] > 0 and quiz["total"] <= page_weight.BUDGET_KB * 1000, quiz
