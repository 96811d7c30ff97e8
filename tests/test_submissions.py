"""Every file in tests/submissions/exerciseN/ is graded and must get the verdict its header declares.

A wrong submission declares `# expect: fail CATEGORY fragment`: its FIRST failing check must be in
CATEGORY and its message must contain the fragment (case-insensitive). A correct one declares
`# expect: pass` and must pass every check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, SUBMISSIONS, expectation

FILES = sorted(SUBMISSIONS.glob("exercise*/*.py"))


def by_exercise(paths: list[Path], exercise: Callable[[Path], str]) -> list:
    """One param per file, grouped by exercise: under pytest-xdist (--dist loadgroup) one worker
    grades a whole exercise in one batch (see the `grade` fixture) instead of two workers each."""
    return [pytest.param(p, marks=pytest.mark.xdist_group(exercise(p))) for p in paths]


@pytest.mark.parametrize("path", by_exercise(FILES, lambda p: p.parent.name),
                         ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_submission_verdict(grade, path: Path) -> None:
    status, category, fragment = expectation(path)
    report = grade(path.parent.name, path)
    failures = [f"{c.id} [{c.category}]: {c.message}" for c in report.checks if c.status == "fail"]
    assert report.status == status, f"expected {status}, got {report.status}: {failures}"
    if status == "fail":
        first = report.first_failure
        assert first.category == category, \
            f"first failure is {first.id} [{first.category}], expected {category}: {failures}"
        assert fragment.lower() in first.message.lower(), f"{fragment!r} not in {first.message!r}"
        assert first.hint, "a failing check must carry a hint"
    if status == "pass":
        assert all(c.status == "pass" for c in report.checks)


def _numbered(folder: Path) -> list[Path]:
    return sorted(folder.glob("exercise*.py"), key=lambda p: int(p.stem.removeprefix("exercise")))


STUBS = _numbered(ROOT / "content" / "exercises")


@pytest.mark.parametrize("stub", by_exercise(STUBS, lambda p: p.stem), ids=[p.stem for p in STUBS])
def test_shipped_stub_is_not_started(grade, stub: Path) -> None:
    """What a learner gets from `grader init` loads, builds, takes the reference's weights and is
    judged not-started (exit 1), never pass or a load failure."""
    report = grade(stub.stem, stub)
    assert report.status == "not-started", [f"{c.id}: {c.message}" for c in report.checks if c.status == "fail"]
    assert {c.id: c.status for c in report.checks}["load/state-dict"] == "pass"


def test_every_exercise_ships_a_stub() -> None:
    from grader.course.registry import exercise_ids

    assert [p.stem for p in STUBS] == exercise_ids()


SOLUTIONS = _numbered(ROOT / "content" / "solutions")


@pytest.mark.parametrize("solution", by_exercise(SOLUTIONS, lambda p: p.stem), ids=[p.stem for p in SOLUTIONS])
def test_shipped_solution_passes(grade, solution: Path) -> None:
    """The course pack's own solution of each exercise passes every check."""
    report = grade(solution.stem, solution)
    assert report.status == "pass", [f"{c.id}: {c.message}" for c in report.checks if c.status == "fail"]


def test_every_exercise_ships_a_solution() -> None:
    assert [p.stem for p in SOLUTIONS] == [p.stem for p in STUBS]
