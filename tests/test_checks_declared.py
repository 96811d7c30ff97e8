"""How checks are declared: dependencies must name checks declared before them, a skip names the check
that blocked it, and two packs cannot declare the same exercise id."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SUBMISSIONS

from grader.course import registry
from grader.errors import UsageError
from grader.judging.checks import CheckDef, Outcome
from grader.judging.spec import SpecError
from grader.judging.standard import exercise_checks


def _with_extra(check: CheckDef):
    exercise = registry.load("exercise5")
    return type("Patched", (type(exercise),), {"extra_checks": lambda self: [check]})()


def _judge(ctx) -> Outcome:
    return Outcome.ok("fine")


@pytest.mark.parametrize(("depends", "says"), [
    (("values/unknown",), "'values/unknown', which is not a check of this exercise"),
    (("time/limits",), "'time/limits', which is declared after it"),
])
def test_a_dependency_must_be_declared_before_the_check(depends: tuple[str, ...], says: str) -> None:
    with pytest.raises(SpecError, match=says):
        exercise_checks(_with_extra(CheckDef("mode/extra", "mode", depends, (), _judge)))


def test_a_check_in_an_unknown_category_is_refused() -> None:
    with pytest.raises(SpecError, match="category 'modes'; valid: load, api"):
        exercise_checks(_with_extra(CheckDef("mode/extra", "modes", ("values/reference",), (), _judge)))


def test_the_shipped_exercises_declare_their_checks_in_order() -> None:
    for exercise_id in registry.exercise_ids():
        checks = exercise_checks(registry.load(exercise_id))
        assert checks[0].id == "load/import" and checks[-1].id == "time/limits"


def test_a_skipped_check_names_the_check_that_blocked_it(grade) -> None:
    report = grade("exercise2", SUBMISSIONS / "exercise2" / "wrong_no_relu.py")
    by_id = {c.id: c for c in report.checks}
    assert by_id["values/reference"].status == "fail"
    assert by_id["grad/reaches"].status == "skip" and by_id["grad/reaches"].blocked_by == "values/reference"
    assert by_id["grad/matches"].blocked_by == "grad/reaches"  # the nearest check that did not pass
    assert all(c.blocked_by is None for c in report.checks if c.status != "skip")
    assert "blocked_by" in report.to_dict()["checks"][list(by_id).index("grad/reaches")]
    assert "blocked_by" not in report.to_dict()["checks"][0]


def test_two_packs_declaring_one_id_is_an_error_naming_both(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    clash = tmp_path / "pack" / "specs" / "exercise2.py"
    clash.parent.mkdir(parents=True)
    clash.write_text("EXERCISE = None\n")
    monkeypatch.setenv("FORWARDLAB_CONTENT_PATH", str(tmp_path / "pack"))
    for name in ("exercise2", "2"):  # asking for it is the error; the rest of the course is unaffected
        with pytest.raises(UsageError, match=r"exercise id 'exercise2' is declared twice: in .*content.*and in .*pack"):
            registry.resolve(name)
    assert "exercise2" not in registry.exercise_ids() and registry.resolve("3") == "exercise3"


def test_a_pack_exercise_has_an_id_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "pack" / "specs" / "layernorm.py"
    spec.parent.mkdir(parents=True)
    spec.write_text("EXERCISE = None\n")
    monkeypatch.setenv("FORWARDLAB_CONTENT_PATH", str(tmp_path / "pack"))
    assert registry.exercise_ids()[-1] == "layernorm"
    assert registry.resolve("LayerNorm") == "layernorm" and registry.resolve("3") == "exercise3"
    with pytest.raises(UsageError, match=r"unknown exercise 'layer'; valid: exercise1, .*layernorm"):
        registry.resolve("layer")
