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
from torch.utils._pytree import tree_flatten

from grader.isolation.plain import error_text
from grader.judging.compare import close, mismatch, non_finite, structure, structure_difference, wrong_types
from grader.judging.explain import meaning
from grader.judging.spec import FLOAT64_TOLERANCE, LOW_PRECISION_TOLERANCES, CaseSpec, Exercise
from grader.judging.stages import first_divergence, match_stages
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
    """Everything a check may look at. Built by the engine; learner data comes from the child."""

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
        """The tolerance of float32 cases: assert_close's own, unless the exercise or the device (CUDA
        kernels sum in other orders) needs a wider one."""
        if self.device == "cuda":
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


def raised(ctx: JudgeContext, error: dict, what: str = "forward raised") -> str:
    """'Most likely: <what the error means>' (when known), then the error itself."""
    known = meaning(error.get("message", ""), ctx.exercise.error_meanings)
    return (f"Most likely: {known}\n" if known else "") + f"{what} {error_text(error)}"


def diagnose(ctx: JudgeContext, case_id: str) -> str:
    """The named mistake the learner's output matches; else what other cases show about it (a config or
    input it fails for while others pass, samples that mix, parameters left out) and where it first
    diverges."""
    named = named_mistake(ctx, case_id)
    if named:
        return "Most likely: " + named
    found = evidence(ctx, case_id)
    where = divergence(ctx, case_id)
    return "\n".join(part for part in (f"Most likely: {found}" if found else "", where) if part)


def named_mistake(ctx: JudgeContext, case_id: str) -> str | None:
    """The message of the exercise's first known mistake whose output the learner's matches."""
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
            return mistake.message
    return None


def divergence(ctx: JudgeContext, case_id: str) -> str:
    """'Where: ...', the first stage at which the learner's data departs from the reference's, or ''."""
    tol = ctx.tolerance_for(case_id)
    learner, reference = ctx.obs(case_id).get("stages", []), ctx.reference[case_id].get("stages", [])
    matches = match_stages(ctx.exercise, learner, reference, tol["rtol"], tol["atol"])
    where = first_divergence(ctx.exercise, learner, reference, matches, tol["rtol"], tol["atol"])
    return f"Where: {where['message']}" if where else ""


def evidence(ctx: JudgeContext, case_id: str) -> str | None:
    """What the other cases tell about a mismatch in `case_id`, most specific first: a config or an input
    it fails for while another passes, samples of a batch that mix, parameters that get no gradient."""
    case = ctx.cases[case_id]
    obs = ctx.learner.get(case_id)
    if case.dtype == "float64" and obs is not None and not obs["error"] and \
            mismatch(obs["output"], ctx.reference[case_id]["output"], rtol=1e-4, atol=1e-5) is None:
        return ("part of forward computes in float32 (a tensor created without dtype=x.dtype, a table built "
                "in float32 then cast, a .float()): the output is right only to float32's precision, where a "
                "float64 input must give float64's. Create every tensor in x's dtype")
    unstable = changing_answer(ctx, case_id)
    if unstable:
        return unstable
    fixed = one_input_only(ctx, case_id)
    if fixed:
        return fixed
    mixing = mixed_sample(ctx)
    if mixing is not None:
        return mixing
    unused = unused_parameters(ctx)
    if unused:
        return (f"{', '.join(unused)} get{'s' if len(unused) == 1 else ''} no gradient: "
                f"{'it takes' if len(unused) == 1 else 'they take'} no part in your output. Is a layer skipped, or "
                "its result overwritten or cut off (.detach(), .data, torch.no_grad())?")
    return None


MAIN = "values/default"
LARGE = "batch/size-large"


def one_input_only(ctx: JudgeContext, case_id: str) -> str | None:
    """'your forward is right for X but not for Y: ...' when the main case is right and `case_id`, of
    another config or input variant, is not."""
    case = ctx.cases[case_id]
    if case_id == MAIN or case.dtype or case.train or MAIN not in ctx.cases or not ctx.matches(MAIN):
        return None
    main, name = ctx.cases[MAIN], ctx.exercise.class_name
    if case.config != main.config:
        return (f"your forward is right for {ctx.exercise.config(main.config).describe(name)} but not for "
                f"{ctx.exercise.config(case.config).describe(name)}: something in forward is fixed to the first "
                "one's sizes or settings instead of read from self or from the input")
    if dict(case.variant) == dict(main.variant) or "slice_of" in case.variant:
        return None
    return (f"your forward is right for the main input ({describe(main)}) but not for {describe(case)}: "
            "something in forward is fixed to one input (a size written in, a loop of fixed length, a table or "
            "mask built once and kept, or a shortcut that holds only for some values)")


def changing_answer(ctx: JudgeContext, case_id: str) -> str | None:
    """'forward gives different outputs for the same input...' when two eval-mode calls on the inputs of
    `case_id` (cases share the inputs drawn for one config, batch and variant) disagree."""
    case, mine = ctx.cases[case_id], ctx.learner.get(case_id)
    if mine is None or mine["error"] or case.train or case.dtype or case.export or case.device == "emulated":
        return None
    for other in ctx.cases.values():
        seen = ctx.learner.get(other.id)
        if other.id == case_id or seen is None or seen["error"] or other.train or other.dtype or other.export \
                or other.device == "emulated" or ctx.inputs[other.id] is not ctx.inputs[case_id]:
            continue
        if mismatch(mine["output"], seen["output"], **ctx.tolerance) is not None:
            return ("forward gives different outputs for the same input from one call to the next: it keeps "
                    "state between calls (a counter, a cache, a tensor kept in self) or draws random numbers in "
                    "eval mode. Compute the output from the input and the parameters alone")
    return None


def mixed_sample(ctx: JudgeContext) -> str | None:
    """'samples mix: ...' when a sample of the large batch, run alone, gives another output than inside it."""
    from torch.utils._pytree import tree_map

    big = ctx.learner.get(LARGE)
    if big is None or big["error"]:
        return None
    size = ctx.cases[LARGE].batch
    if any(not isinstance(t, torch.Tensor) or not t.dim() or t.size(0) != size for t in tree_flatten(big["output"])[0]):
        return None  # no batch dim to take samples from: the shape check says what is wrong
    rows = [c for c in ctx.cases.values() if c.variant.get("slice_of") == LARGE]
    for row in rows:
        obs = ctx.learner.get(row.id)
        if obs is None or obs["error"]:
            continue
        i = row.variant["index"]
        try:
            expected = tree_map(lambda t, i=i: t[i:i + 1], big["output"])
        except (IndexError, TypeError):
            return None
        if mismatch(obs["output"], expected, **ctx.tolerance) is not None:
            return (f"samples of a batch mix: sample {i} alone gives another output than inside a batch of "
                    f"{ctx.cases[LARGE].batch}. Every step must treat each sample on its own (no statistic, "
                    "softmax or reshape across dim 0)")
    return None


GRAD = "grad/main"


def unused_parameters(ctx: JudgeContext) -> list[str]:
    """Parameters with a gradient in the reference but none (or zero) in the learner's grad case."""
    import torch

    obs, ref = ctx.learner.get(GRAD), ctx.reference.get(GRAD)
    if obs is None or ref is None or obs["error"] or obs.get("grad_error") or "param_grads" not in obs:
        return []
    expected = ctx.exercise.to_learner_tensors(ref["param_grads"])
    used = {n for n, g in expected.items() if isinstance(g, torch.Tensor) and bool(g.abs().sum() > 0)}
    return [n for n, g in obs["param_grads"].items() if n in used and (g is None or not bool(g.abs().sum() > 0))]


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
            return Outcome.fail(f"{describe(ctx.cases[case_id])}: {outcome.message}", outcome.hint)
    return Outcome.ok(f"{what}: {len(case_ids)} case(s) match the reference")


def describe(case: CaseSpec) -> str:
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
