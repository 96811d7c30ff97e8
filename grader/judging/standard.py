"""The checks every exercise gets, in report order: load, api, shape, the exercise's early checks,
purity, values, batch, grad, hooks, dtype, device; then the exercise's own; then whether the child
ran to the end in its limits.

Purity comes before values and grad: a forward that edits its parameters, its input or `.grad`
also changes its outputs and gradients, and the edit, not the differing numbers, is what to fix."""

from __future__ import annotations

import torch

from grader.isolation.plain import error_text
from grader.judging.checks import (
    CheckDef,
    JudgeContext,
    Missing,
    Outcome,
    all_cases,
    case_error,
    compare_case,
    values_check,
)
from grader.judging.compare import mismatch, structure, structure_difference
from grader.judging.spec import CaseSpec, Exercise, SpecError
from grader.report import CATEGORIES

MAIN = "values/default"


def standard_checks(ex: Exercise) -> list[CheckDef]:
    main = next(c for c in ex.value_cases() if c.id == MAIN)
    triage = triage_checks(ex)
    checks = [*load_checks(), *api_checks(ex), *triage,
              CheckDef("shape/output", "shape", ("load/started", *(c.id for c in triage)), (main,), judge_shape,
                       "print(x.shape) after each step of forward and compare with the task's shapes"),
              *ex.early_checks(), *purity_checks(),
              values_check("values/reference", "values", ex.value_cases(), "values",
                           "compare each step with the lesson; the message names the most likely mistake"),
              *batch_checks(ex), *grad_checks(ex), hooks_check(ex)]
    checks += [dtype_check(ex, dt) for dt in ex.dtypes]
    if ex.check_device:
        checks.append(device_check(ex))
    return checks + ex.extra_checks()


def exercise_checks(ex: Exercise) -> list[CheckDef]:
    """Every check of `ex` in report order, validated: ids unique, and each dependency a check
    declared earlier (a check cannot wait for one judged after it). A SpecError says which."""
    checks = standard_checks(ex) + final_checks()
    seen: set[str] = set()
    for check in checks:
        if check.id in seen:
            raise SpecError(f"{ex.id}: two checks are called {check.id!r}")
        if check.category not in CATEGORIES:
            raise SpecError(f"{ex.id}: check {check.id!r} has category {check.category!r}; valid: "
                            f"{', '.join(CATEGORIES)}")
        for dependency in check.depends:
            if dependency not in seen:
                later = any(c.id == dependency for c in checks)
                raise SpecError(f"{ex.id}: check {check.id!r} depends on {dependency!r}, which is "
                                + ("declared after it" if later else "not a check of this exercise"))
        seen.add(check.id)
    return checks


def final_checks() -> list[CheckDef]:
    return [CheckDef("load/completed", "load", (), (), judge_completed,
                     "don't call exit() or os._exit(), and don't kill processes: return from forward"),
            CheckDef("time/limits", "time", (), (), judge_limits,
                     "look for an endless loop or a huge tensor; every check runs in a few seconds when forward is "
                     "right")]


# --- load --------------------------------------------------------------------------------

def load_checks() -> list[CheckDef]:
    def stage(name: str, message: str):
        def judge(ctx: JudgeContext) -> Outcome:
            for load in ctx.loads.values():
                if load.get("failed_at") == name:
                    return Outcome.fail(load["error"])
            if not ctx.loads:
                return Outcome.fail(ctx.child_failure or "your file was never loaded")
            return Outcome.ok(message)
        return judge

    return [
        CheckDef("load/import", "load", (), (), stage("import", "the file imports"),
                 "fix the error at the line shown; run `python yourfile.py` to see it too"),
        CheckDef("load/class", "load", ("load/import",), (), stage("class", "the class exists and is an nn.Module"),
                 "keep the class name and `nn.Module` base of the stub"),
        CheckDef("load/construct", "load", ("load/class",), (), stage("construct", "the model constructs"),
                 "keep __init__ as the stub has it: the grader builds your class with its own arguments"),
        CheckDef("load/state-dict", "load", ("load/construct",), (), stage("state", "the reference's weights load by "
                                                                                    "name"),
                 "keep the attribute names of the stub (fc1, fc2, ...): the grader copies weights in by state_dict "
                 "names"),
        CheckDef("load/started", "load", ("load/state-dict",), (), judge_started,
                 "replace `raise NotImplementedError` with your forward"),
    ]


def judge_started(ctx: JudgeContext) -> Outcome:
    err = ctx.obs(MAIN)["error"]
    if err and err["type"] == "NotImplementedError":
        return Outcome.fail("forward() still raises NotImplementedError: the exercise is not started")
    return Outcome.ok("forward is written")


def judge_completed(ctx: JudgeContext) -> Outcome:
    if ctx.extra.get("crash"):
        return Outcome.fail(ctx.extra["crash"])
    return Outcome.ok("your code ran to the end in its own process")


def judge_limits(ctx: JudgeContext) -> Outcome:
    if ctx.extra.get("limit"):
        return Outcome.fail(ctx.extra["limit"])
    return Outcome.ok("within the time, memory and output limits")


# --- api ---------------------------------------------------------------------------------

def api_checks(ex: Exercise) -> list[CheckDef]:
    return [
        CheckDef("api/signature", "api", ("load/construct",), (), judge_signature,
                 f"define forward(self, {', '.join(ex.forward_args)}) as the stub does"),
        CheckDef("api/call", "api", ("load/construct",), (), judge_call,
                 "define forward and let nn.Module.__call__ run it: never override __call__"),
        CheckDef("api/forbidden", "api", ("load/started",), (), judge_forbidden,
                 "the exercise asks you to write that part yourself"),
    ]


def judge_signature(ctx: JudgeContext) -> Outcome:
    load = next(iter(ctx.loads.values()))
    if load.get("signature_error"):
        keywords = sorted({k for inputs in ctx.inputs.values() for k in inputs.kwargs} - set(ctx.exercise.forward_args))
        call = ", ".join([*ctx.exercise.forward_args, *(f"{k}=..." for k in keywords)])
        return Outcome.fail(f"forward{load['signature']} cannot be called as forward({call}): "
                            f"{load['signature_error']}")
    return Outcome.ok(f"forward{load['signature']}")


def judge_call(ctx: JudgeContext) -> Outcome:
    load = next(iter(ctx.loads.values()))
    if load.get("call_overridden"):
        return Outcome.fail("your class overrides __call__ (or _call_impl): hooks and the grader go through "
                            "nn.Module.__call__, which runs forward for you")
    return Outcome.ok("__call__ is nn.Module's")


def judge_forbidden(ctx: JudgeContext) -> Outcome:
    ex = ctx.exercise
    ops = set().union(*(set(o["ops"]) for o in ctx.learner.values()))
    classes = set().union(*(set(o["module_classes"]) for o in ctx.learner.values()))
    functions = set().union(*(set(o.get("functions", ())) for o in ctx.learner.values()))
    aten = {op.split(".")[1] for op in ops if op.startswith("aten.")}  # torch.ops.aten.linear is F.linear too
    # modules first: a forbidden module is the learner's choice; its internal functions are not
    for name, why in {**ex.forbidden_modules, **ex.forbidden_ops}.items():
        if name in ops or name in classes or name in functions or any(f.startswith(name + ".") for f in functions) \
                or (name in ex.forbidden_ops and name.rsplit(".", 1)[-1] in aten):
            return Outcome.fail(f"forward uses {name}, which this exercise forbids: {why}")
    return Outcome.ok("no forbidden function or module is used")


# --- dtype -------------------------------------------------------------------------------

LOW_PRECISION = ("float16", "bfloat16")


def dtype_check(ex: Exercise, dt: str) -> CheckDef:
    """The output for a `dt` input matches the reference's, dtype included. In half precision a tensor
    created on the CPU (torch.zeros(n)) is float32 too: that is left to the device check, which names it."""
    case = CaseSpec(f"dtype/{dt}", dtype=dt, batch=ex.main_batch)
    check = values_check(f"dtype/{dt}", "dtype", [case], f"{dt} input",
                         "create tensors with dtype=x.dtype; never hard-code float32", depends=("values/reference",))
    if dt not in LOW_PRECISION or not ex.check_device:
        return check
    portable = CaseSpec(PORTABLE, batch=ex.main_batch, device="emulated")

    def judge(ctx: JudgeContext) -> Outcome:
        if ctx.obs(PORTABLE)["device_violations"]:
            return Outcome.skip("not judged: forward creates tensors without device=x.device (see the device check); "
                                "give them dtype=x.dtype too")
        return check.judge(ctx)
    return CheckDef(check.id, check.category, check.depends, (case, portable), judge, check.hint)


# --- triage ------------------------------------------------------------------------------
# Judged before shape/output: when the main case fails *because* of the batch size or of a
# hard-coded device, the learner is told that, in its own category, instead of a bare crash or
# a values mismatch. Each passes when it finds no such evidence; shape/output then judges.

PROBE_BATCHES = (16, 32, 64, 128)  # the batch sizes learners hard-code most (x.view(64, -1))
PORTABLE = "device/portable"


def triage_checks(ex: Exercise) -> list[CheckDef]:
    sizes = tuple(CaseSpec(f"batch/size-{b}", batch=b) for b in dict.fromkeys((*ex.batch_sizes, *PROBE_BATCHES))
                  if b != ex.main_batch)
    checks = [CheckDef("batch/fixed-size", "batch", ("load/started",), sizes, judge_fixed_size,
                       "keep dimension 0 as the batch in every step: x.flatten(1) or x.view(x.size(0), -1), "
                       "never a fixed batch size, and never mix samples (x.view(784, -1), statistics over dim 0)")]
    if ex.check_device:
        checks.append(CheckDef("device/fixed", "device", ("load/started",),
                               (CaseSpec(PORTABLE, batch=ex.main_batch, device="emulated"),), judge_fixed_device,
                               "create tensors with device=x.device; never name 'cuda' or 'cpu' inside forward"))
    return checks


def _matches(ctx: JudgeContext, case_id: str) -> bool:
    """Whether the learner's output for `case_id` matches the reference (a case that never ran does not)."""
    try:
        obs = ctx.obs(case_id)
    except Missing:
        return False
    expected = ctx.reference[case_id]["output"]
    return not obs["error"] and mismatch(obs["output"], expected, **ctx.tolerance_for(case_id)) is None


def judge_fixed_size(ctx: JudgeContext) -> Outcome:
    main = ctx.cases[MAIN].batch
    ctx.obs(MAIN)  # a main case that never ran is not judged here
    if _matches(ctx, MAIN):
        return Outcome.ok(f"a batch of {main} is right")
    right = sorted(c.batch for c in ctx.cases.values() if c.id.startswith("batch/size-") and _matches(ctx, c.id))
    if not right:
        return Outcome.ok("no batch size is singled out: the output does not depend on a fixed batch size")
    detail = compare_case(ctx, MAIN).message
    if right == [1] and _alone_as_in_batch(ctx):  # e.g. a mistake that shows only for some samples
        return Outcome.ok("each sample gives the same output alone as in a batch: the problem is not the batch")
    if right == [1]:
        return Outcome.fail(f"a single sample (batch of 1) comes out right but a batch of {main} does not: samples of "
                            f"a "
                            f"batch mix with each other, or the batch size is hard-coded. Batch of {main}: {detail}")
    sizes = ", ".join(map(str, right))
    return Outcome.fail(f"forward works for a batch of {sizes} but not of {main}: the batch size is hard-coded "
                        f"(use x.size(0) or -1, never a fixed number). Batch of {main}: {detail}")


def _alone_as_in_batch(ctx: JudgeContext) -> bool:
    """Whether every sample of the largest batch gives the same output alone: then samples do not mix."""
    try:
        big = ctx.obs(f"batch/size-{max(ctx.exercise.batch_sizes)}")
        return not big["error"] and judge_per_sample(ctx).status == "pass"
    except Missing:
        return False


def judge_fixed_device(ctx: JudgeContext) -> Outcome:
    error = ctx.obs(MAIN)["error"]
    try:
        moved = ctx.obs(PORTABLE)
    except Missing:
        return Outcome.ok("no sign of a hard-coded device")
    if not error or moved["error"] or not moved["device_violations"]:
        return Outcome.ok("no sign of a hard-coded device")
    first_line = (error["message"].splitlines() or [""])[0]
    return Outcome.fail(f"forward is tied to a device: {'; '.join(moved['device_violations'])}. On the input's "
                        f"device it raised {error['type']}: {first_line}")


# --- shape -------------------------------------------------------------------------------

def judge_shape(ctx: JudgeContext) -> Outcome:
    error = case_error(ctx, MAIN, finite=False)  # NaN has the right shape: values/reference reports it
    if error:
        return error
    output, expected = ctx.obs(MAIN)["output"], ctx.reference[MAIN]["output"]
    different = structure_difference(output, expected)
    if different and type(output) is not type(expected):  # e.g. a list or tuple where a tensor belongs
        return Outcome.fail(f"forward returned {structure(output)}; expected {structure(expected)}")
    if different:
        return Outcome.fail(different)
    return Outcome.ok(f"output is {structure(output)}")


# --- batch -------------------------------------------------------------------------------

def batch_checks(ex: Exercise) -> list[CheckDef]:
    sizes = [CaseSpec(f"batch/size-{b}", batch=b) for b in ex.batch_sizes]
    big = max(ex.batch_sizes)
    rows = [CaseSpec(f"batch/row-{i}", batch=1, variant={"slice_of": f"batch/size-{big}", "index": i})
            for i in range(big)]
    return [
        CheckDef("batch/sizes", "batch", ("values/reference",), tuple(sizes), judge_batch_sizes,
                 "use x.shape[0] (or x.size(0)) and -1 instead of a fixed batch size"),
        CheckDef("batch/per-sample", "batch", ("batch/sizes",), tuple(rows), judge_per_sample,
                 "every operation must act on each sample alone: flatten with x.flatten(1), reduce over dim=1, never "
                 "dim=0"),
    ]


def judge_batch_sizes(ctx: JudgeContext) -> Outcome:
    failures = {}
    for case in ctx.cases.values():
        if case.id.startswith("batch/size-"):
            outcome = all_cases(ctx, [case.id], "")
            if outcome.status != "pass":
                failures[case.batch] = outcome.message
    if not failures:
        checked = sorted(c.batch for c in ctx.cases.values() if c.id.startswith("batch/size-"))
        return Outcome.ok(f"batch sizes {', '.join(map(str, checked))} all match the reference")
    sizes = ", ".join(map(str, failures))
    first = next(iter(failures.values()))
    if 1 not in failures:
        return Outcome.fail(f"a batch of 1 is right but batch size(s) {sizes} are not: samples leak into each other "
                            f"or a batch size is hard-coded. {first}")
    return Outcome.fail(f"a batch of {ctx.exercise.main_batch} is right but batch size(s) {sizes} are not: is the "
                        f"batch "
                        f"size hard-coded (use x.size(0) or -1)? {first}")


def judge_per_sample(ctx: JudgeContext) -> Outcome:
    big = max(ctx.exercise.batch_sizes)
    batch_out = ctx.obs(f"batch/size-{big}")["output"]
    from torch.utils._pytree import tree_map

    for i in range(big):
        row = ctx.obs(f"batch/row-{i}")
        if row["error"]:
            return Outcome.fail(f"sample {i} alone (batch of 1) raised {error_text(row['error'])}")
        expected = tree_map(lambda t, i=i: t[i:i + 1], batch_out)
        if mismatch(row["output"], expected, **ctx.tolerance) is not None:
            return Outcome.fail(f"sample {i} gives a different output alone than inside a batch of {big}: "
                                "your forward mixes samples of the batch")
    return Outcome.ok(f"each of {big} samples gives the same output alone as in the batch")


# --- grad --------------------------------------------------------------------------------

GRAD = "grad/main"


def grad_checks(ex: Exercise) -> list[CheckDef]:
    if not ex.check_grad:
        return []
    case = (CaseSpec(GRAD, batch=ex.main_batch, grad=True),)
    return [
        CheckDef("grad/reaches", "grad", ("values/reference",), case, judge_grad_reaches,
                 "don't use .detach(), .data, torch.no_grad(), .item(), .numpy() or torch.tensor(...) on data inside "
                 "forward"),
        CheckDef("grad/matches", "grad", ("grad/reaches",), case, judge_grad_matches,
                 "use the same operations as the reference: the gradient follows the computation"),
    ]


def judge_grad_reaches(ctx: JudgeContext) -> Outcome:
    obs = ctx.obs(GRAD)
    if obs["error"]:
        return Outcome.fail(f"forward raised {error_text(obs['error'])}")
    if obs.get("grad_error"):
        return Outcome.fail(f"no gradient could flow back: {obs['grad_error']['message']}")
    ref_grads = ctx.exercise.to_learner_tensors(ctx.reference[GRAD]["param_grads"])
    expected = set(ref_grads)
    missing_params = sorted(expected - set(obs["param_names"]))
    if missing_params:
        return Outcome.fail(f"{', '.join(missing_params)} is not an nn.Parameter of your model, so it gets no gradient")
    # a parameter that gets no gradient in the reference either (one only compared, as in `gate(x) > 0`) is fine
    dead = [n for n, g in obs["param_grads"].items() if g is None and ref_grads.get(n) is not None]
    if dead:
        return Outcome.fail(f"no gradient reaches {', '.join(dead)}: that parameter does not take part in the output "
                            "(or is cut off by .detach(), .data or torch.no_grad())")
    if any(g is None for g in obs["input_grads"]):
        return Outcome.fail("no gradient reaches the input x: the output is cut off from the input")
    return Outcome.ok(f"gradients reach all {len(expected)} parameters and the input")


def judge_grad_matches(ctx: JudgeContext) -> Outcome:
    obs, ref = ctx.obs(GRAD), ctx.reference[GRAD]
    ref_grads = ctx.exercise.to_learner_tensors(ref["param_grads"])
    for name, grad in ref_grads.items():
        mine = obs["param_grads"].get(name)
        diff = mismatch(_zeros_if_none(mine, grad), _zeros_if_none(grad, mine), **ctx.tolerance)
        if diff:
            return Outcome.fail(f"the gradient of {name} differs from the reference's. {diff}")
    diff = mismatch(obs["input_grads"], ref["input_grads"], **ctx.tolerance)
    if diff:
        return Outcome.fail(f"the gradient with respect to the input differs from the reference's. {diff}")
    return Outcome.ok("gradients of every parameter and of the input match the reference's")


def _zeros_if_none(grad, like):
    """No gradient (a parameter outside the autograd graph) is the same as a zero gradient."""
    return torch.zeros_like(like) if grad is None and isinstance(like, torch.Tensor) else grad


# --- purity ------------------------------------------------------------------------------

def purity_checks() -> list[CheckDef]:
    return [
        CheckDef("purity/parameters", "purity", ("load/started",), (), judge_params_untouched,
                 "forward must only read parameters: no in-place edits (+=, .add_(), .data =, copy_)"),
        CheckDef("purity/inputs", "purity", ("load/started",), (), judge_inputs_untouched,
                 "don't modify x in place (x += ..., x.relu_(), F.relu(x, inplace=True)): work on new tensors"),
        CheckDef("purity/grad", "purity", ("load/started",), (), judge_grad_untouched,
                 "forward computes the output only; .grad is set by backward(), and zeroed by the optimizer"),
    ]


def _changed_params(ctx: JudgeContext) -> list[str]:
    names = set()
    for case_id, obs in ctx.learner.items():
        params = set(obs["param_names"])
        names |= {n for n in obs["state_changed"] if n in params or not ctx.cases[case_id].train}
    return sorted(names)


def judge_params_untouched(ctx: JudgeContext) -> Outcome:
    changed = _changed_params(ctx)
    if changed:
        return Outcome.fail(f"forward changed {', '.join(changed)} in place: parameters and buffers must be left as "
                            f"they were")
    return Outcome.ok("parameters and buffers are untouched")


def judge_inputs_untouched(ctx: JudgeContext) -> Outcome:
    if any(obs["inputs_changed"] for obs in ctx.learner.values()):
        return Outcome.fail("forward modified its input tensor in place: the caller's x changed")
    return Outcome.ok("inputs are untouched")


def judge_grad_untouched(ctx: JudgeContext) -> Outcome:
    touched = sorted({n for obs in ctx.learner.values() for n in obs["grad_set_in_forward"]})
    if touched:
        return Outcome.fail(f"forward set .grad of {', '.join(touched)}: only backward() should write gradients")
    return Outcome.ok(".grad is untouched by forward")


# --- hooks -------------------------------------------------------------------------------

def hooks_check(ex: Exercise) -> CheckDef:
    return CheckDef("hooks/calls", "hooks", ("shape/output",), (), judge_hooks,
                    "call submodules as self.fc1(x), never self.fc1.forward(x): hooks run only through __call__")


def judge_hooks(ctx: JudgeContext) -> Outcome:
    case = ctx.cases[MAIN]
    counts = ctx.obs(MAIN)["calls"]
    if counts.get("", 0) != 1:
        return Outcome.fail(f"forward hooks on the model fired {counts.get('', 0)} times for one call, expected once")
    for name, allowed in ctx.exercise.calls_expected(case).items():
        n = counts.get(name, 0)
        if n in allowed:
            continue
        if n == 0:
            return Outcome.fail(f"{name}'s forward hooks never ran: call self.{name}(x), not self.{name}.forward(x) "
                                "(or its children one by one)")
        want = " or ".join(map(str, allowed))
        per_sample = ": once per sample? Pass the whole batch through it in one call" if n == case.batch > 1 else ""
        return Outcome.fail(f"{name} ran {n} times in one forward, expected {want}{per_sample}")
    return Outcome.ok("forward hooks on the model and its submodules fire as expected")


# --- device ------------------------------------------------------------------------------

def device_check(ex: Exercise) -> CheckDef:
    """Portability by device emulation, on every machine. With --device cuda every other case
    also runs on the GPU (see grader.judging.prepare), which is the real-device half of the check."""
    case = CaseSpec("device/portable", batch=ex.main_batch, device="emulated")
    return CheckDef("device/portable", "device", ("values/reference",), (case,), judge_portable,
                    "create every tensor with device=x.device (and dtype=x.dtype), e.g. torch.zeros(n, "
                    "device=x.device), "
                    "and never call .cpu() or .cuda() inside forward")


def judge_portable(ctx: JudgeContext) -> Outcome:
    """The forward run as if the model and input lived on another device (see runner.DeviceEmulator)."""
    obs = ctx.obs("device/portable")
    if obs["device_violations"]:
        return Outcome.fail("forward is tied to the CPU: " + "; ".join(obs["device_violations"]) +
                            " (on a GPU this raises 'Expected all tensors to be on the same device')")
    if obs["error"]:
        return Outcome.fail(f"on another device forward raised {error_text(obs['error'])}")
    if obs.get("off_device_outputs"):
        return Outcome.fail("forward returned a tensor on the CPU for an input on another device: "
                            "something in forward is created on, or moved to, the CPU")
    outcome = all_cases(ctx, ["device/portable"], "on another device")
    if outcome.status != "pass":
        return outcome
    return Outcome.ok("forward follows its input's device, with nothing tied to the CPU or CUDA")
