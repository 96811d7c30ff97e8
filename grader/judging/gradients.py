"""The gradient checks every exercise gets: in eval mode, gradients reach every parameter and every
floating input (one case per way of calling forward, see Exercise.grad_variants) and match the
reference's for a random gradient probe; in train mode (model.train()), forward still computes what
the reference does (output and buffer updates, where train mode is deterministic) and backward() runs.
"""

from __future__ import annotations

import torch

from grader.judging.checks import CheckDef, JudgeContext, Outcome, case_error, compare_case
from grader.judging.compare import mismatch
from grader.judging.diagnosis import GRAD, raised
from grader.judging.spec import SMALL_BATCH, CaseSpec, Exercise, size_case

TRAIN = "grad/train"


def grad_cases(ex: Exercise) -> tuple[CaseSpec, ...]:
    """The eval-mode gradient cases: the main one, and one per extra way of calling forward."""
    return tuple(CaseSpec(GRAD if not variant else "grad/" + "-".join(f"{k}-{v}" for k, v in variant.items()),
                          grad=True, variant=variant) for variant in ex.grad_variants())


def grad_checks(ex: Exercise) -> list[CheckDef]:
    if not ex.check_grad:
        return []
    cases = grad_cases(ex)
    return [
        # a diagnosis: judged even when the values differ (an unused layer explains a mismatch)
        CheckDef("grad/reaches", "grad", ("shape/output",), cases, judge_grad_reaches,
                 "don't use .detach(), .data, torch.no_grad(), .item(), .numpy() or torch.tensor(...) on data inside "
                 "forward"),
        CheckDef("grad/matches", "grad", ("values/reference", "grad/reaches"), cases, judge_grad_matches,
                 "use the same operations as the reference: the gradient follows the computation"),
    ]


def _grad_cases(ctx: JudgeContext) -> list[str]:
    return [cid for cid, c in ctx.cases.items() if c.grad and not c.train]


def judge_grad_reaches(ctx: JudgeContext) -> Outcome:
    for case_id in _grad_cases(ctx):
        outcome = _reaches(ctx, case_id)
        if outcome is not None:
            return outcome
    expected = ctx.exercise.to_learner_tensors(ctx.reference[GRAD]["param_grads"])
    inputs = sorted({n for cid in _grad_cases(ctx) for n in _input_names(ctx, cid)})
    return Outcome.ok(f"gradients reach all {len(expected)} parameters and {', '.join(inputs)}")


def _reaches(ctx: JudgeContext, case_id: str) -> Outcome | None:
    obs = ctx.obs(case_id)
    if obs["error"]:
        return Outcome.fail(raised(ctx, obs["error"]))
    if obs.get("grad_error"):
        return Outcome.fail(raised(ctx, obs["grad_error"], "no gradient could flow back:"))
    ref_grads = ctx.exercise.to_learner_tensors(ctx.reference[case_id]["param_grads"])
    missing_params = sorted(set(ref_grads) - set(obs["param_names"]))
    if missing_params:
        return Outcome.fail(f"{', '.join(missing_params)} is not an nn.Parameter of your model, so it gets no gradient")
    # a parameter that gets no gradient in the reference either (one only compared, as in `gate(x) > 0`) is fine
    dead = [n for n, g in obs["param_grads"].items() if g is None and ref_grads.get(n) is not None]
    if dead:
        return Outcome.fail(f"no gradient reaches {', '.join(dead)}: that parameter does not take part in the output "
                            "(or is cut off by .detach(), .data or torch.no_grad())")
    names = _input_names(ctx, case_id)
    cut = [n for n, g in zip(names, obs["input_grads"], strict=False) if g is None]
    if cut:
        return Outcome.fail(f"no gradient reaches the input {', '.join(cut)}: the output is cut off from it "
                            "(.detach(), .data, torch.no_grad(), or the input not used at all)")
    return None


def _input_names(ctx: JudgeContext, case_id: str) -> list[str]:
    """The reference's names of the case's floating inputs: the forward's argument names ('#0' is the first)."""
    names = ctx.reference[case_id].get("input_names", [])
    args = ctx.exercise.forward_args
    return [args[int(n[1:])] if n.startswith("#") and int(n[1:]) < len(args) else n.lstrip("#") for n in names]


def judge_grad_matches(ctx: JudgeContext) -> Outcome:
    for case_id in _grad_cases(ctx):
        diff = _grad_difference(ctx, case_id)
        if diff:
            return Outcome.fail("Most likely: the output is right but the gradient is not, so part of the "
                                "computation is cut off from autograd (a .detach() or .data on an intermediate, a "
                                "step under torch.no_grad()) or done with a non-differentiable shortcut\n" + diff)
    return Outcome.ok("gradients of every parameter and input match the reference's")


def _grad_difference(ctx: JudgeContext, case_id: str) -> str | None:
    obs, ref = ctx.obs(case_id), ctx.reference[case_id]
    ref_grads = ctx.exercise.to_learner_tensors(ref["param_grads"])
    for name, grad in ref_grads.items():
        mine = obs["param_grads"].get(name)
        diff = mismatch(_zeros_if_none(mine, grad), _zeros_if_none(grad, mine), **ctx.tolerance)
        if diff:
            return f"the gradient of {name} differs from the reference's. {diff}"
    for name, mine, want in zip(_input_names(ctx, case_id), obs["input_grads"], ref["input_grads"], strict=False):
        diff = mismatch(mine, want, **ctx.tolerance)
        if diff:
            return f"the gradient with respect to the input {name} differs from the reference's. {diff}"
    return None


def _zeros_if_none(grad, like):
    """No gradient (a parameter outside the autograd graph) is the same as a zero gradient."""
    return torch.zeros_like(like) if grad is None and isinstance(like, torch.Tensor) else grad


# --- train mode --------------------------------------------------------------------------

# One train-mode case, forward and backward(), on the inputs of the small batch's eval case: for every
# exercise the backward must run (an in-place op can break it in train mode only) and gradients reach;
# where train mode is deterministic, its output, buffer updates (BatchNorm's running statistics) and
# gradients must match the reference's.
TRAIN_CASE = CaseSpec(TRAIN, train=True, grad=True, seed=5, batch=SMALL_BATCH)
SMALL = "batch/size-small"  # the same inputs in eval mode


def train_mode_checks(ex: Exercise) -> list[CheckDef]:
    if not ex.train_deterministic:
        return []
    return [CheckDef("mode/train", "mode", ("values/reference",), (TRAIN_CASE, size_case(SMALL_BATCH)),
                     judge_train_mode, "forward must compute the same function in train mode (model.train()); only "
                                       "layers such as dropout and BatchNorm behave differently there, by themselves")]


def train_grad_checks(ex: Exercise) -> list[CheckDef]:
    if not ex.check_grad:
        return []
    return [CheckDef(TRAIN, "grad", ("grad/reaches",), (TRAIN_CASE,), judge_train_grad,
                     "an in-place op on a tensor autograd still needs breaks backward(): use the out-of-place form "
                     "(out = out + identity, F.relu(x))")]


def judge_train_mode(ctx: JudgeContext) -> Outcome:
    error = case_error(ctx, TRAIN)
    if error:
        return Outcome.fail(f"in train mode: {error.message}", error.hint)
    obs, ref = ctx.obs(TRAIN), ctx.reference[TRAIN]
    diff = mismatch(obs["output"], ref["output"], **ctx.tolerance)
    if diff and ctx.matches(SMALL):
        return Outcome.fail(f"Most likely: forward behaves differently in train mode than the reference: in train "
                            f"mode (model.train()) your output differs, though on the same input it matches in eval "
                            f"mode. Only the layers themselves (dropout, BatchNorm) change what they do in train "
                            f"mode: don't branch on self.training otherwise, and call those layers as modules. {diff}")
    if diff:
        return Outcome.fail(f"in train mode: {compare_case(ctx, TRAIN).message}")
    for ref_name, expected in ref["buffers_after"].items():
        name = ctx.exercise.to_learner_name(ref_name)
        diff = mismatch(obs["buffers_after"].get(name), expected, **ctx.tolerance)
        if diff:
            return Outcome.fail(f"after one train-mode forward, {name} differs from the reference's (BatchNorm "
                                f"updates its running statistics in train mode: call the module). {diff}")
    return Outcome.ok("train mode matches the reference: output and buffers")


def judge_train_grad(ctx: JudgeContext) -> Outcome:
    obs = ctx.obs(TRAIN)
    if obs["error"]:
        return Outcome.fail(raised(ctx, obs["error"], "in train mode forward raised"))
    if obs.get("grad_error"):
        return Outcome.fail(raised(ctx, obs["grad_error"], "in train mode, backward() failed:"))
    outcome = _reaches(ctx, TRAIN)
    if outcome is not None:
        return Outcome.fail(f"in train mode: {outcome.message}")
    if ctx.exercise.train_deterministic:
        diff = _grad_difference(ctx, TRAIN)
        if diff:
            return Outcome.fail(f"in train mode {diff}")
    return Outcome.ok("backward() runs in train mode and the gradients are right")
