"""Checks: declared with an id, a category and dependencies (as check50 does), judged in the parent.

A check reads the child's raw observations and the reference's, and returns an Outcome. A check
whose dependency did not pass is skipped, not failed. `standard_checks(exercise)` builds the
checks every exercise gets; an exercise adds its own with `Exercise.extra_checks()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from grader.isolation.plain import error_text
from grader.judging.compare import mismatch, non_finite, structure, wrong_types
from grader.judging.spec import CaseSpec, Exercise
from grader.judging.stages import first_divergence, match_stages
from grader.report import MISTAKE_PREFIX, Status


@dataclass(frozen=True)
class Outcome:
    status: Status
    message: str
    hint: str = ""

    @classmethod
    def ok(cls, message: str) -> Outcome:
        return cls("pass", message)

    @classmethod
    def fail(cls, message: str, hint: str = "") -> Outcome:
        return cls("fail", message, hint)

    @classmethod
    def skip(cls, message: str) -> Outcome:
        return cls("skip", message)


class Missing(Exception):
    """An observation the child never delivered (it died, timed out, or a case raised)."""


@dataclass(frozen=True)
class CheckDef:
    id: str
    category: str
    depends: tuple[str, ...]
    cases: tuple[CaseSpec, ...]
    judge: Callable[[JudgeContext], Outcome]
    hint: str = ""


@dataclass
class JudgeContext:
    """Everything a check may look at. Built by grader.judging.judge; learner data comes from the child."""

    exercise: Exercise
    device: str
    cases: Mapping[str, CaseSpec]
    reference: Mapping[str, dict]  # case id -> the reference's observation (computed here)
    learner: Mapping[str, dict]  # case id -> the learner's observation (from the child)
    loads: Mapping[str, dict]  # config name -> the child's load report
    states: Mapping[str, dict[str, torch.Tensor]]  # config name -> weights under learner names
    inputs: Mapping[str, Any]  # case id -> spec.Inputs
    child_failure: str | None = None  # why observations may be missing
    extra: dict = field(default_factory=dict)

    def obs(self, case_id: str) -> dict:
        if case_id not in self.learner:
            raise Missing(self.child_failure or "your code stopped before this case ran")
        return self.learner[case_id]

    def init_state(self, config: str) -> dict[str, torch.Tensor]:
        return self.loads[config].get("init_state", {})

    @property
    def tolerance(self) -> dict[str, float | None]:
        if self.device == "cuda":
            return {"rtol": 1e-4, "atol": 1e-4}
        ex = self.exercise
        return {"rtol": ex.rtol, "atol": ex.atol} if ex.rtol is not None else {"rtol": None, "atol": None}

    def tolerance_for(self, case_id: str) -> dict[str, float | None]:
        """The case's dtype's own tolerance where the exercise sets one, else `tolerance`."""
        dtype = self.cases[case_id].dtype
        if dtype is not None and dtype in self.exercise.dtype_tolerances:
            rtol, atol = self.exercise.dtype_tolerances[dtype]
            return {"rtol": rtol, "atol": atol}
        return self.tolerance


# --- comparing one case --------------------------------------------------------------------

def case_error(ctx: JudgeContext, case_id: str, finite: bool = True) -> Outcome | None:
    """A failed Outcome when the learner's forward raised, returned the wrong type, or (unless
    `finite` is False) NaN/Inf."""
    obs = ctx.obs(case_id)
    if obs["error"]:
        err = obs["error"]
        return Outcome.fail(f"forward raised {error_text(err)}")
    bad = ", ".join(dict.fromkeys(wrong_types(obs["output"])))
    if bad:
        output = obs["output"]
        holder = f"a {type(output).__name__} of " if isinstance(output, (list, tuple)) or \
            (isinstance(output, dict) and "__type__" not in output) else ""
        return Outcome.fail(f"forward returned {holder}{bad}; expected {structure(ctx.reference[case_id]['output'])}",
                            "return plain torch tensors (not numpy arrays, lists, Python numbers or tensor subclasses)")
    if finite and non_finite(obs["output"]) and not non_finite(ctx.reference[case_id]["output"]):
        return Outcome.fail("your output contains NaN or Inf where the reference's is finite",
                            "look for a division by zero, log of zero or an overflow")
    return None


def diagnose(ctx: JudgeContext, case_id: str) -> str:
    """The named mistake the learner's output matches, else where it first diverges."""
    case, tol = ctx.cases[case_id], ctx.tolerance_for(case_id)
    actual = ctx.obs(case_id)["output"]
    inputs = ctx.inputs[case_id]
    config = ctx.exercise.config(case.config)
    state = {k: _cast(v, case.dtype) for k, v in ctx.states[case.config].items()}
    for mistake in ctx.exercise.mistakes():
        try:
            if case.seed is not None:
                torch.manual_seed(case.seed)
            with torch.no_grad():
                guess = mistake.forward(state, config, *_cast(inputs.args, case.dtype),
                                        **_cast(dict(inputs.kwargs), case.dtype))
        except Exception:  # noqa: BLE001 - a mistake that does not apply to these inputs just doesn't match
            continue
        if mismatch(actual, guess, **tol) is None:
            return MISTAKE_PREFIX + mistake.message
    learner, reference = ctx.obs(case_id).get("stages", []), ctx.reference[case_id].get("stages", [])
    matches = match_stages(ctx.exercise, learner, reference, tol["rtol"], tol["atol"])
    where = first_divergence(ctx.exercise, learner, reference, matches, tol["rtol"], tol["atol"])
    return f"Where: {where['message']}" if where else ""


def _cast(value: Any, dtype: str | None) -> Any:
    if dtype is None:
        return value
    from torch.utils._pytree import tree_map

    target = getattr(torch, dtype)
    return tree_map(lambda t: t.to(target) if isinstance(t, torch.Tensor) and t.is_floating_point() else t, value)


def compare_case(ctx: JudgeContext, case_id: str) -> Outcome:
    """Outcome of comparing one case's output with the reference, with a diagnosis on mismatch."""
    error = case_error(ctx, case_id)
    if error:
        return error
    expected = ctx.reference[case_id]["output"]
    diff = mismatch(ctx.obs(case_id)["output"], expected, **ctx.tolerance_for(case_id))
    if diff is None:
        return Outcome.ok(f"{ctx.cases[case_id].id}: output matches the reference ({structure(expected)})")
    diagnosis = diagnose(ctx, case_id)  # the likely mistake first: it is what the learner acts on
    return Outcome.fail((f"{diagnosis}\n" if diagnosis else "") + f"output differs from the reference. {diff}")


def all_cases(ctx: JudgeContext, case_ids: list[str], what: str) -> Outcome:
    """Pass when every case matches; otherwise the first failure, naming the case."""
    for case_id in case_ids:
        outcome = compare_case(ctx, case_id)
        if outcome.status != "pass":
            return Outcome.fail(f"{_describe(ctx.cases[case_id])}: {outcome.message}", outcome.hint)
    return Outcome.ok(f"{what}: {len(case_ids)} case(s) match the reference")


def _describe(case: CaseSpec) -> str:
    parts = [f"batch {case.batch}"]
    if case.config != "default":
        parts.insert(0, f"config {case.config}")
    parts += [f"{k}={v}" for k, v in case.variant.items() if k not in ("slice_of", "index")]
    if case.train:
        parts.append("train mode")
    if case.dtype:
        parts.append(case.dtype)
    return ", ".join(parts)


def values_check(check_id: str, category: str, cases: list[CaseSpec], what: str, hint: str = "",
                 depends: tuple[str, ...] = ("shape/output",)) -> CheckDef:
    """A check that every case in `cases` matches the reference. Exercises use it for their own cases."""
    ids = [c.id for c in cases]
    return CheckDef(check_id, category, depends, tuple(cases), lambda ctx: all_cases(ctx, ids, what), hint)
