"""Diagnosing a mismatch: what the learner most likely got wrong, in plain words.

In order of specificity: a known mistake of the exercise's table whose output the learner's matches;
what the other cases show (float64 right only to float32's precision, the same input answered
differently from call to call, a config or input the main case does not have, samples of a batch that
mix, parameters no gradient reaches); and where the learner's data first departs from the reference's.
A raised error gets its meaning in plain words (grader.judging.explain).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch.utils._pytree import tree_flatten, tree_map

from grader.isolation.plain import error_text
from grader.judging.compare import mismatch
from grader.judging.explain import meaning
from grader.judging.stages import first_divergence, match_stages

if TYPE_CHECKING:
    from grader.judging.checks import JudgeContext
    from grader.judging.spec import CaseSpec

MAIN = "values/default"
LARGE = "batch/size-large"
GRAD = "grad/main"


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
    return (f"your forward is right for the main input ({main.describe()}) but not for {case.describe()}: "
            "something in forward is fixed to one input (a size written in, a loop of fixed length, a table or "
            "mask built once and kept, or a shortcut that holds only for some values)")


def changing_answer(ctx: JudgeContext, case_id: str) -> str | None:
    """'forward gives different outputs for the same input...' when two eval-mode calls on the inputs of
    `case_id` (cases share the inputs drawn for one config, batch and variant) disagree."""
    case, mine = ctx.cases[case_id], ctx.learner.get(case_id)
    if mine is None or mine["error"] or case.train or case.dtype or case.export or _emulated(case):
        return None
    for other in ctx.cases.values():
        seen = ctx.learner.get(other.id)
        if other.id == case_id or seen is None or seen["error"] or other.train or other.dtype or other.export \
                or _emulated(other) or ctx.inputs[other.id] is not ctx.inputs[case_id]:
            continue
        if mismatch(mine["output"], seen["output"], **ctx.tolerance) is not None:
            return ("forward gives different outputs for the same input from one call to the next: it keeps "
                    "state between calls (a counter, a cache, a tensor kept in self) or draws random numbers in "
                    "eval mode. Compute the output from the input and the parameters alone")
    return None


def mixed_sample(ctx: JudgeContext) -> str | None:
    """'samples mix: ...' when a sample of the large batch, run alone, gives another output than inside it."""
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


def unused_parameters(ctx: JudgeContext) -> list[str]:
    """Parameters with a gradient in the reference but none (or zero) in the learner's grad case."""
    obs, ref = ctx.learner.get(GRAD), ctx.reference.get(GRAD)
    if obs is None or ref is None or obs["error"] or obs.get("grad_error") or "param_grads" not in obs:
        return []
    expected = ctx.exercise.to_learner_tensors(ref["param_grads"])
    used = {n for n, g in expected.items() if isinstance(g, torch.Tensor) and bool(g.abs().sum() > 0)}
    return [n for n, g in obs["param_grads"].items() if n in used and (g is None or not bool(g.abs().sum() > 0))]


def _cast(value: Any, dtype: str | None) -> Any:
    if dtype is None:
        return value
    target = getattr(torch, dtype)
    return tree_map(lambda t: t.to(target) if isinstance(t, torch.Tensor) and t.is_floating_point() else t, value)


def _emulated(case: CaseSpec) -> bool:
    return (case.device or "").startswith("emulated")
