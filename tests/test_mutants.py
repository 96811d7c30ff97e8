"""The mutation gate: mutants of every exercise's solution (grader.judging.mutants) are graded, one batch
per exercise on the session's two warm workers. Each must fail, with its first failure in a category it
targets; a mutant that computes the same function as the solution (an equivalent mutant) must be listed
in its spec's `equivalent_mutants` with the reason, and must pass (failing it would be a false fail). The
score per exercise (killed / non-equivalent) is printed, and the gate is 95% for every exercise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course.registry import exercise_ids, load
from grader.judging.mutants import GATE, Mutant, mutants
from grader.report import Report

# (exercise, mutant name) -> why the mutant computes the same function as the solution (from the specs)
EQUIVALENT: dict[tuple[str, str], str] = {(ex, name): why for ex in exercise_ids()
                                          for name, why in load(ex).equivalent_mutants.items()}
SCORES: dict[str, tuple[int, int]] = {}


def _grade(grader_session, exercise: str, found: list[Mutant], folder: Path) -> list[Report]:
    files = []
    for i, mutant in enumerate(found):
        path = folder / f"{exercise}_mutant{i}.py"
        path.write_text(mutant.source, encoding="utf-8")
        files.append(path)
    return grader_session.check(exercise, files)


@pytest.mark.parametrize("exercise", exercise_ids())
def test_every_mutant_is_rejected_in_its_category(grader_session, tmp_path: Path, exercise: str) -> None:
    found = mutants(exercise)
    assert found, f"{exercise}: no mutants generated"
    reports = _grade(grader_session, exercise, found, tmp_path)
    problems, killed = [], 0
    for mutant, report in zip(found, reports, strict=True):
        first = report.first_failure
        why = EQUIVALENT.get((exercise, mutant.name))
        if why is not None:
            if report.status != "pass":
                problems.append(f"{mutant.name} ({mutant.description}) is listed as equivalent ({why}) but fails: "
                                f"{first.id if first else report.status}: {first.message if first else ''}")
            continue
        if report.status == "pass":
            problems.append(f"{mutant.name} ({mutant.description}) SURVIVES: it passes every check")
        elif first is None or first.category not in mutant.targets:
            problems.append(f"{mutant.name} ({mutant.description}) fails in {first.category if first else '?'} "
                            f"({first.id if first else ''}: {first.message[:200] if first else ''}), expected "
                            f"{' or '.join(mutant.targets)}")
        else:
            killed += 1
    scored = len([m for m in found if (exercise, m.name) not in EQUIVALENT])
    SCORES[exercise] = (killed, scored)
    print(f"\n{exercise}: mutation score {killed}/{scored} = {killed / scored:.0%}")
    assert killed / scored >= GATE and not problems, "\n".join(problems)


def test_equivalent_mutants_are_still_generated() -> None:
    """Every listed equivalent mutant still exists: a stale entry would hide nothing, but lie."""
    names = {(exercise, m.name) for exercise in {e for e, _ in EQUIVALENT} for m in mutants(exercise)}
    assert set(EQUIVALENT) <= names, sorted(set(EQUIVALENT) - names)


def test_every_operator_is_exercised() -> None:
    """Each kind of defect the gate promises is generated for some exercise."""
    from grader.judging.mutants import OPERATORS

    seen = {m.operator for exercise in exercise_ids() for m in mutants(exercise)}
    assert seen == set(OPERATORS), set(OPERATORS) - seen


def test_a_mistake_that_bites_on_some_inputs_is_not_called_a_batch_problem(tmp_path: Path) -> None:
    """Under this secret a dropped ReLU in exercise10 leaves the batches of 1 and 2 right by chance (every
    fc1 output there is positive) and the main batch wrong: the batch check once said "the batch size is
    hard-coded". Each sample gives the same output alone as in a batch, so the failure is in values."""
    from grader.grading import Grader
    from grader.judging.prepare import Secret

    mutant = next(m for m in mutants("exercise10") if m.name.startswith("drop-activation"))
    path = tmp_path / "no_relu.py"
    path.write_text(mutant.source, encoding="utf-8")
    with Grader(secret=Secret(156)) as grader:
        report = grader.check("exercise10", [path])[0]
    checks = {c.id: c for c in report.checks}
    assert checks["batch/fixed-size"].status == "pass", checks["batch/fixed-size"].message
    assert report.first_failure is not None and report.first_failure.category == "values"
    assert "without the ReLU" in report.first_failure.message
