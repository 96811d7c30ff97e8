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
from grader.judging.compare import close, mismatch, non_finite, structure, structure_difference, wrong_types
from grader.judging.diagnosis import diagnose, one_input_only, raised
from grader.judging.spec import FLOAT64_TOLERANCE, LOW_PRECISION_TOLERANCES, CaseSpec, Exercise
from grader.report import Status


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
        """The tolerance of float32 cases: assert_close's own, unless the exercise or the device (a GPU's
        kernels sum in other orders) needs a wider one."""
        if self.device in ("cuda", "mps"):
            return {"rtol": 1e-4, "atol": 1e-4}
        ex = self.exercise
        return {"rtol": ex.rtol, "atol": ex.atol} if ex.rtol is not None else {"rtol": None, "atol": None}

    def tolerance_for(self, case_id: str) -> dict[str, float | None]:
        """The case's dtype's tolerance: the exercise's own for that dtype, else float64's (tight: the
        same function computed in float32 fails) or a low precision's, else `tolerance`."""
        dtype = self.cases[case_id].dtype
        own = {**LOW_PRECISION_TOLERANCES, "float64": FLOAT64_TOLERANCE, **self.exercise.dtype_tolerances}
        if dtype is not None and dtype in own:
            rtol, atol = own[dtype]
            return {"rtol": rtol, "atol": atol}
        return self.tolerance

    def matches(self, case_id: str) -> bool:
        """Whether the learner's output for `case_id` matches the reference (a case that never ran does not)."""
        obs = self.learner.get(case_id)
        if obs is None or obs["error"] or wrong_types(obs["output"]):
            return False
        expected = self.reference[case_id]["output"]
        return structure_difference(obs["output"], expected) is None and \
            close(obs["output"], expected, **self.tolerance_for(case_id))


# --- comparing one case --------------------------------------------------------------------

def case_error(ctx: JudgeContext, case_id: str, finite: bool = True) -> Outcome | None:
    """A failed Outcome when the learner's forward raised, returned the wrong type, or (unless
    `finite` is False) NaN/Inf. An error on an input the main one does not have leads with that."""
    obs = ctx.obs(case_id)
    if obs["error"]:
        fixed = one_input_only(ctx, case_id)
        if fixed:
            return Outcome.fail(f"Most likely: {fixed}\nforward raised {error_text(obs['error'])}")
        return Outcome.fail(raised(ctx, obs["error"]))
    bad = ", ".join(dict.fromkeys(wrong_types(obs["output"])))
    if bad:
        output = obs["output"]
        holder = f"a {type(output).__name__} of " if isinstance(output, (list, tuple)) or \
            (isinstance(output, dict) and "__type__" not in output) else ""
        return Outcome.fail(f"forward returned {holder}{bad}; expected {structure(ctx.reference[case_id]['output'])}",
                            "return plain torch tensors (not numpy arrays, lists, Python numbers or tensor subclasses)")
    if finite and non_finite(obs["output"]) and not non_finite(ctx.reference[case_id]["output"]):
        dtype = ctx.cases[case_id].dtype
        why = (f"Most likely: an overflow in {dtype}, which holds values only up to "
               f"{'65504' if dtype == 'float16' else 'about 3e38, with 8 bits of precision'}: an exp of large "
               "values, a square or a big sum; subtract the max before exp (or use softmax)\n"
               if dtype in ("float16", "bfloat16") else "")
        return Outcome.fail(f"{why}your output contains NaN or Inf where the reference's is finite",
                            "look for a division by zero, log of zero or an overflow")
    return None


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
            return Outcome.fail(f"{ctx.cases[case_id].describe()}: {outcome.message}", outcome.hint)
    return Outcome.ok(f"{what}: {len(case_ids)} case(s) match the reference")


def values_check(check_id: str, category: str, cases: list[CaseSpec], what: str, hint: str = "",
                 depends: tuple[str, ...] = ("shape/output",)) -> CheckDef:
    """A check that every case in `cases` matches the reference. Exercises use it for their own cases."""
    ids = [c.id for c in cases]
    return CheckDef(check_id, category, depends, tuple(cases), lambda ctx: all_cases(ctx, ids, what), hint)
