"""The probes a submission cannot predict, and the coverage every exercise gets.

Each preparation draws inputs, batch sizes, seeds and gradient probes from a secret of its own that
the plan (all the child receives) does not hold; every exercise is probed with negative inputs, in
every dtype it claims, in train mode (forward and backward), with repeated calls, in every
constructor configuration, and with gradients to every floating input its forward takes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch.utils._pytree import tree_flatten

from grader.course.registry import exercise_ids
from grader.isolation import guard
from grader.judging.prepare import Prepared, Secret, answer_folders, prepare
from grader.judging.spec import DRAWN_BATCHES, EDGE_BATCHES


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Prepared]:
    folder = tmp_path_factory.mktemp("plans")
    return {exercise: prepare(exercise, "cpu", folder) for exercise in exercise_ids()}


def _floats(value: object) -> list[torch.Tensor]:
    return [t for t in tree_flatten(value)[0] if isinstance(t, torch.Tensor) and t.is_floating_point()]


def test_each_preparation_draws_its_own_probes(tmp_path: Path) -> None:
    first, second = (prepare("exercise5", "cpu", tmp_path) for _ in range(2))
    assert not torch.equal(first.inputs["values/default"].args[0], second.inputs["values/default"].args[0])
    again = [prepare("exercise5", "cpu", tmp_path, secret=Secret(7)) for _ in range(2)]
    assert torch.equal(again[0].inputs["values/default"].args[0], again[1].inputs["values/default"].args[0])
    grad = "grad/main"
    assert not torch.equal(*(p.reference[grad]["param_grads"]["linear.weight"] for p in (first, second)))


def test_batch_sizes_are_drawn_apart_from_the_edge_sizes() -> None:
    sizes = [Secret(value).batches() for value in range(40)]
    for drawn in sizes:
        assert len(set(drawn.values())) == 3 and not set(drawn.values()) & set(EDGE_BATCHES)
        for role, name in zip(sorted(drawn, reverse=True), ("main", "small", "large"), strict=True):
            assert drawn[role] in DRAWN_BATCHES[name]
    assert len({d[0] for d in sizes}) > 3, "the main batch varies from run to run"


def test_the_child_receives_no_secret(tmp_path: Path) -> None:
    secret = 123456789123
    prep = prepare("exercise8", "cpu", tmp_path, secret=Secret(secret))
    plan = torch.load(prep.plan_path, weights_only=True)
    numbers = [leaf for leaf in tree_flatten(plan)[0] if isinstance(leaf, int)]
    assert secret not in numbers and "secret" not in str(plan.keys())
    seeds = [c["seed"] for c in plan["cases"] if c["seed"] is not None]
    assert seeds and all(s not in (1, 2, 3, 4, 5) for s in seeds), "seeds are drawn per run, not the spec's own"


def test_every_exercise_probes_negative_inputs(prepared: dict[str, Prepared]) -> None:
    for exercise, prep in prepared.items():
        values = torch.cat([t.flatten() for case_inputs in prep.inputs.values()
                            for t in _floats((case_inputs.args, dict(case_inputs.kwargs)))])
        assert values.min() < 0 < values.max(), exercise


def test_every_exercise_is_checked_in_every_mode_dtype_and_config(prepared: dict[str, Prepared]) -> None:
    for exercise, prep in prepared.items():
        cases = prep.cases.values()
        assert {c.dtype for c in cases if c.dtype} == set(prep.exercise.dtypes) >= {"float64", "bfloat16",
                                                                                     "float16"}, exercise
        assert any(c.train and c.grad for c in cases), f"{exercise}: no train-mode backward"
        assert any(c.repeat >= 2 for c in cases), f"{exercise}: no repeated calls"
        assert {c.config for c in cases if c.id.startswith("values/")} == {c.name for c in prep.exercise.configs}
        check_ids = {c.id for c in prep.checks}
        assert "mode/train" in check_ids or not prep.exercise.train_deterministic, exercise


def test_gradients_reach_for_every_floating_input(prepared: dict[str, Prepared]) -> None:
    """The gradient cases together cover every floating input that any value case passes to forward."""
    for exercise, prep in prepared.items():
        given = {name for case_id, case in prep.cases.items() if case_id.startswith("values/")
                 for name in _float_names(prep, case_id)}
        checked = {n for case in prep.cases.values() if case.grad and not case.train
                   for n in prep.reference[case.id]["input_names"]}
        assert given <= {_named(prep, n) for n in checked}, (exercise, given, checked)


def _float_names(prep: Prepared, case_id: str) -> set[str]:
    inputs = prep.inputs[case_id]
    names = {prep.exercise.forward_args[i] for i, a in enumerate(inputs.args) if _floats(a)}
    return names | {k for k, v in inputs.kwargs.items() if _floats(v)}


def _named(prep: Prepared, name: str) -> str:
    return prep.exercise.forward_args[int(name[1:])] if name.startswith("#") else name


def test_low_precision_is_judged_against_the_exact_answer(prepared: dict[str, Prepared]) -> None:
    prep = prepared["exercise3"]
    for dtype in ("bfloat16", "float16"):
        expected = prep.reference[f"dtype/{dtype}"]["output"]
        assert expected.dtype == getattr(torch, dtype)


def test_the_child_is_kept_from_what_computes_answers() -> None:
    folders = answer_folders()
    root = Path(guard.__file__).resolve().parents[2]
    for needed in (root / "grader" / "judging", root / "grader" / "course", root / "content" / "specs",
                   root / "content" / "solutions"):
        assert str(needed) in folders
    assert not any(Path(f) == root / "grader" / "isolation" for f in folders)
    for name in ("grader.judging.spec", "grader.course.registry", "grader.grading", "forwardlab_content.specs",
                 "forwardlab_spec_exercise2", "grader.api"):
        assert guard.forbidden(name), name
    for name in ("grader", "grader.isolation.child", "grader.isolation.constructors", "torch", "torchvision.ops"):
        assert not guard.forbidden(name), name
