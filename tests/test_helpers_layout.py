"""Tests take their helpers from tests/factories.py, tests/harness.py and the kits
(quizkit, cohortkit, uploadkit, mailkit, studiokit, pagekit, browser, adversarial/worldkit and
routekit), never from another test module or from conftest.py: a helper kept in a test
module is found by copying it, and importing conftest runs it a second time."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _is_test_module(dotted: str) -> bool:
    last = dotted.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def borrowed(path: Path) -> list[str]:
    """The test modules (or conftest) this file imports from, with their line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tests"):
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            found += [f"{n} (line {node.lineno})" for n in names if _is_test_module(n)][:1]
        elif isinstance(node, ast.Import):
            found += [
                f"{a.name} (line {node.lineno})"
                for a in node.names
                if a.name.startswith("tests.") and _is_test_module(a.name)
            ]
    return found


def test_no_test_module_borrows_from_another():
    offenders = {
        str(path.relative_to(TESTS.parent)): found
        for path in sorted(TESTS.rglob("*.py"))
        if (found := borrowed(path))
    }
    assert offenders == {}, "move these helpers to tests/factories.py, harness.py or a kit"


def test_the_check_sees_every_way_of_borrowing(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "from tests.test_api_courses import package\n"
        "from tests import test_uploads\n"
        "import tests.adversarial.test_csrf\n"
        "def f():\n    from tests.conftest import PASSWORD\n"
        "from tests.factories import package\n"
        "from tests.adversarial import worldkit\n"
    )
    assert [entry.split(" ")[0] for entry in borrowed(sample)] == [
        "tests.test_api_courses",
        "tests.test_uploads",
        "tests.adversarial.test_csrf",
        "tests.conftest",
    ]
