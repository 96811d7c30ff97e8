"""The checks every exercise gets, in report order: load, api, triage, shape, the exercise's early checks,
purity, values, batch, grad, train mode, hooks, dtype, device; then the exercise's own; then a backward
in train mode, and whether the child ran to the end in its limits.

Purity comes before values and grad: a forward that edits its parameters, its input or `.grad`
also changes its outputs and gradients, and the edit, not the differing numbers, is what to fix.
The checks that diagnose (samples mixing, gradients reaching) run even when values fail, and the
values message leads with what they found (grader.judging.diagnosis). The gradient and train-mode
checks are grader.judging.gradients."""

from __future__ import annotations

import torch

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
from grader.judging.diagnosis import LARGE, MAIN, evidence, named_mistake, raised
from grader.judging.explain import shape_meaning
from grader.judging.gradients import grad_checks, train_grad_checks, train_mode_checks
from grader.judging.spec import EDGE_BATCHES, LARGE_BATCH, LOW_PRECISION, ROWS, CaseSpec, Exercise, SpecError, size_case
from grader.report import CATEGORIES

REPEAT = "values/repeat"


def standard_checks(ex: Exercise) -> list[CheckDef]:
    main = next(c for c in ex.value_cases() if c.id == MAIN)
    triage = triage_checks(ex)
    checks = [*load_checks(), *api_checks(ex), *triage,
              CheckDef("shape/output", "shape", ("load/started", *(c.id for c in triage)), tuple(ex.value_cases()),
                       judge_shape, "print(x.shape) after each step of forward and compare with the task's shapes"),
              *ex.early_checks(), *purity_checks(),
              values_check("values/reference", "values", ex.value_cases(), "values",
                           "compare each step with the lesson; the message names the most likely mistake"),
              CheckDef(REPEAT, "values", ("values/reference",), (CaseSpec(REPEAT, config=main.config, repeat=2),),
                       judge_repeat, "compute the output from the input and the parameters alone: keep no counter, "
                                     "cache or tensor in self that one call changes for the next"),
              *batch_checks(ex), *grad_checks(ex), *train_mode_checks(ex), hooks_check(ex)]
    checks += [dtype_check(ex, dt) for dt in ex.dtypes]
    if ex.check_device:
        checks.append(device_check(ex))
    # the train-mode backward last: an exercise's own mode checks say better what train mode gets wrong
    return checks + ex.extra_checks() + train_grad_checks(ex)


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
    """Not started: forward's own `raise NotImplementedError` (the stub's). torch raises it too, for an op
    a device lacks (device="mps" on a machine without MPS, an op MPS does not have): that is an error."""
    err = ctx.obs(MAIN)["error"]
    if err and err["type"] == "NotImplementedError" and "raise NotImplementedError" in err.get("where", ""):
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
    ops = set().union(*(set(o["ops"]) for o in ctx.learner.values() if "ops" in o))
    classes = set().union(*(set(o["module_classes"]) for o in ctx.learner.values() if "module_classes" in o))
    functions = set().union(*(set(o.get("functions", ())) for o in ctx.learner.values()))
    aten = {op.split(".")[1] for op in ops if op.startswith("aten.")}  # torch.ops.aten.linear is F.linear too
    # modules first: a forbidden module is the learner's choice; its internal functions are not
    for name, why in {**ex.forbidden_modules, **ex.forbidden_ops}.items():
        if name in ops or name in classes or name in functions or any(f.startswith(name + ".") for f in functions) \
                or (name in ex.forbidden_ops and name.rsplit(".", 1)[-1] in aten):
            return Outcome.fail(f"forward uses {name}, which this exercise forbids: {why}")
    return Outcome.ok("no forbidden function or module is used")


# --- dtype -------------------------------------------------------------------------------

def dtype_check(ex: Exercise, dt: str) -> CheckDef:
    """The output for a `dt` input matches the reference's, dtype included: float64 at float64's own
    precision, half precisions against the exact answer rounded once. In half precision a tensor
    created on the CPU (torch.zeros(n)) is float32 too: that is left to the device check, which names it.
    A dtype the device cannot compute in is not checked, and the message says so."""
    case = CaseSpec(f"dtype/{dt}", dtype=dt)
    check = values_check(f"dtype/{dt}", "dtype", [case], f"{dt} input",
                         "create tensors with dtype=x.dtype; never hard-code float32", depends=("values/reference",))
    portable = CaseSpec(PORTABLE, device="emulated")
    watches_device = dt in LOW_PRECISION and ex.check_device

    def judge(ctx: JudgeContext) -> Outcome:
        unsupported = ctx.extra.get("unsupported", {})
        if dt in unsupported:
            return Outcome.ok(f"not checked: {unsupported[dt]}")
        if watches_device and ctx.obs(PORTABLE)["device_violations"]:
            return Outcome.skip("not judged: forward creates tensors without device=x.device (see the device check); "
                                "give them dtype=x.dtype too")
        return check.judge(ctx)
    return CheckDef(check.id, check.category, check.depends, (case, portable) if watches_device else (case,), judge,
                    check.hint)


# --- triage ------------------------------------------------------------------------------
# Judged before shape/output: when the main case fails *because* of the batch size or of a
# hard-coded device, the learner is told that, in its own category, instead of a bare crash or
# a values mismatch. Each passes when it finds no such evidence; shape/output then judges.

PORTABLE = "device/portable"
def triage_checks(ex: Exercise) -> list[CheckDef]:
    sizes = tuple(size_case(b) for b in dict.fromkeys((*ex.batch_sizes, *EDGE_BATCHES)))
    checks = [CheckDef("batch/fixed-size", "batch", ("load/started",), sizes, judge_fixed_size,
                       "keep dimension 0 as the batch in every step: x.flatten(1) or x.view(x.size(0), -1), "
                       "never a fixed batch size, and never mix samples (x.view(784, -1), statistics over dim 0)")]
    if ex.check_device:
        checks.append(CheckDef("device/fixed", "device", ("load/started",),
                               (CaseSpec(PORTABLE, device="emulated"),), judge_fixed_device,
                               "create tensors with device=x.device; never name 'cuda' or 'cpu' inside forward"))
    return checks


def judge_fixed_size(ctx: JudgeContext) -> Outcome:
    main = ctx.cases[MAIN].batch
    ctx.obs(MAIN)  # a main case that never ran is not judged here
    if ctx.matches(MAIN):
        return Outcome.ok(f"a batch of {main} is right")
    if any(o.get("state_changed") or o.get("state_added") or o.get("inputs_changed") for o in ctx.learner.values()):
        return Outcome.ok("not judged here: forward changes its parameters or input, which explains the outputs "
                          "better (see the purity checks)")
    right = sorted(c.batch for c in ctx.cases.values() if c.id.startswith("batch/size-") and ctx.matches(c.id))
    if not right:
        return Outcome.ok("no batch size is singled out: the output does not depend on a fixed batch size")
    detail = compare_case(ctx, MAIN).message
    # a mistake that shows only for some inputs (a dropped ReLU that bites on a few samples) can leave the
    # small batches right by chance: when samples do not mix, the batch size is not what is wrong
    if _alone_as_in_batch(ctx):
        return Outcome.ok("each sample gives the same output alone as in a batch: the problem is not the batch")
    if right == [1]:
        return Outcome.fail(f"a single sample (batch of 1) comes out right but a batch of {main} does not: samples of "
                            f"a batch mix with each other, or the batch size is hard-coded. Batch of {main}: {detail}")
    sizes = ", ".join(map(str, right))
    return Outcome.fail(f"forward works for a batch of {sizes} but not of {main}: the batch size is hard-coded "
                        f"(use x.size(0) or -1, never a fixed number). Batch of {main}: {detail}")


def _alone_as_in_batch(ctx: JudgeContext) -> bool:
    """Whether every sample of the large batch gives the same output alone: then samples do not mix."""
    try:
        big = ctx.obs(LARGE)
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
    """The output's structure (types, dict keys, shapes) for the main input, then for every other value
    case (other configs, extra leading dims, other lengths): any wrong shape is a shape failure."""
    error = case_error(ctx, MAIN, finite=False)  # NaN has the right shape: values/reference reports it
    if error:
        return error
    for case in [c for c in ctx.cases.values() if c.id == MAIN] + \
            [c for c in ctx.cases.values() if c.id.startswith("values/") and c.id not in (MAIN, REPEAT)]:
        obs = ctx.learner.get(case.id)
        if obs is None or obs["error"] or (case.id != MAIN and case_error(ctx, case.id, finite=False)):
            continue  # a case that raised is for values/reference to report, with its inputs
        output, expected = obs["output"], ctx.reference[case.id]["output"]
        different = structure_difference(output, expected)
        if not different:
            continue
        where = "" if case.id == MAIN else f"{case.describe()}: "
        found = named_mistake(ctx, case.id) or (evidence(ctx, case.id) if case.id != MAIN else None)
        likely = f"Most likely: {found}\n" if found else _shape_meaning(output, expected)
        if type(output) is not type(expected):  # e.g. a list or tuple where a tensor belongs
            return Outcome.fail(f"{where}forward returned {structure(output)}; expected {structure(expected)}")
        return Outcome.fail(f"{where}{likely}{different}")
    return Outcome.ok(f"output is {structure(ctx.obs(MAIN)['output'])}")


def _shape_meaning(output: object, expected: object) -> str:
    """'Most likely: ...' for the first output whose shape differs (in a tuple or dict, named), or ''."""
    from torch.utils._pytree import keystr, tree_flatten_with_path

    if isinstance(output, dict) and isinstance(expected, dict) and output.keys() != expected.keys():
        missing, extra = sorted(set(expected) - set(output)), sorted(set(output) - set(expected))
        return (f"Most likely: the returned dict {'lacks ' + ', '.join(map(repr, missing)) if missing else ''}"
                f"{' and ' if missing and extra else ''}{'has ' + ', '.join(map(repr, extra)) if extra else ''}: "
                f"return exactly the keys the task names, {', '.join(map(repr, sorted(expected)))}\n")
    got = dict(tree_flatten_with_path(output)[0])
    for path, want in tree_flatten_with_path(expected)[0]:
        mine = got.get(path)
        if isinstance(mine, torch.Tensor) and isinstance(want, torch.Tensor) and mine.shape != want.shape:
            known = shape_meaning(list(mine.shape), list(want.shape))
            where = f"in output{keystr(path)}, " if path else ""
            return f"Most likely: {where}{known}\n" if known else ""
    return ""


# --- values --------------------------------------------------------------------------------

def judge_repeat(ctx: JudgeContext) -> Outcome:
    """The same input, again and again on one model in eval mode: the last call answers as the first."""
    error = case_error(ctx, REPEAT)
    if error:
        return error
    obs, calls = ctx.obs(REPEAT), ctx.cases[REPEAT].repeat
    first, last = obs["output"], obs.get("repeat_output")
    if mismatch(first, ctx.reference[REPEAT]["output"], **ctx.tolerance) is not None:
        return compare_case(ctx, REPEAT)
    diff = mismatch(last, first, **ctx.tolerance)
    if diff:
        return Outcome.fail(f"Most likely: forward keeps state from one call to the next (a counter, a cache, a "
                            f"tensor kept in self): call {calls} on the same input, in eval mode, differs from the "
                            f"first. {diff}")
    return Outcome.ok(f"{calls} calls on the same input give the same output")


# --- batch -------------------------------------------------------------------------------

def batch_checks(ex: Exercise) -> list[CheckDef]:
    sizes = [size_case(b) for b in ex.batch_sizes]
    large = size_case(LARGE_BATCH)
    rows = [CaseSpec(f"batch/row-{i}", batch=1, variant={"slice_of": large.id, "index": i}) for i in range(ROWS)]
    return [
        CheckDef("batch/sizes", "batch", ("values/reference",), tuple(sizes), judge_batch_sizes,
                 "use x.shape[0] (or x.size(0)) and -1 instead of a fixed batch size"),
        # diagnoses: judged even when the values differ (a mixing forward is wrong for every batch)
        CheckDef("batch/per-sample", "batch", ("shape/output",), (large, *rows), judge_per_sample,
                 "every operation must act on each sample alone: flatten with x.flatten(1), reduce over dim=1, never "
                 "dim=0"),
    ]


def judge_batch_sizes(ctx: JudgeContext) -> Outcome:
    failures = {}
    for case in ctx.cases.values():
        if case.id.startswith("batch/size-") and case.id in {size_case(b).id for b in ctx.exercise.batch_sizes}:
            outcome = all_cases(ctx, [case.id], "")
            if outcome.status != "pass":
                failures[case.batch] = outcome.message
    if not failures:
        checked = sorted(c.batch for c in ctx.cases.values()
                         if c.id in {size_case(b).id for b in ctx.exercise.batch_sizes})
        return Outcome.ok(f"batch sizes {', '.join(map(str, checked))} all match the reference")
    sizes = ", ".join(map(str, failures))
    first = next(iter(failures.values()))
    if 1 not in failures:
        return Outcome.fail(f"a batch of 1 is right but batch size(s) {sizes} are not: samples leak into each other "
                            f"or a batch size is hard-coded. {first}")
    return Outcome.fail(f"a batch of {ctx.cases[MAIN].batch} is right but batch size(s) {sizes} are not: is the batch "
                        f"size hard-coded (use x.size(0) or -1)? {first}")


def judge_per_sample(ctx: JudgeContext) -> Outcome:
    big = ctx.obs(LARGE)
    if big["error"]:
        return Outcome.fail(raised(ctx, big["error"], f"for a batch of {ctx.cases[LARGE].batch}, forward raised"))
    from torch.utils._pytree import tree_map

    rows = sorted((c for c in ctx.cases.values() if c.variant.get("slice_of") == LARGE), key=lambda c: c.id)
    for row in rows:
        i = row.variant["index"]
        obs = ctx.obs(row.id)
        if obs["error"]:
            return Outcome.fail(raised(ctx, obs["error"], f"sample {i} alone (batch of 1) raised"))
        expected = tree_map(lambda t, i=i: t[i:i + 1], big["output"])
        if mismatch(obs["output"], expected, **ctx.tolerance) is not None:
            return Outcome.fail(f"sample {i} gives a different output alone than inside a batch of "
                                f"{ctx.cases[LARGE].batch}: your forward mixes samples of the batch")
    return Outcome.ok(f"each of {len(rows)} samples gives the same output alone as in a batch of "
                      f"{ctx.cases[LARGE].batch}")


# --- purity ------------------------------------------------------------------------------

def purity_checks() -> list[CheckDef]:
    return [
        CheckDef("purity/parameters", "purity", ("load/started",), (), judge_params_untouched,
                 "forward must only read parameters: no in-place edits (+=, .add_(), .data =, copy_) and no new "
                 "parameters or buffers (register_buffer belongs in __init__)"),
        CheckDef("purity/inputs", "purity", ("load/started",), (), judge_inputs_untouched,
                 "don't modify x in place (x += ..., x.relu_(), F.relu(x, inplace=True)): work on new tensors"),
        CheckDef("purity/grad", "purity", ("load/started",), (), judge_grad_untouched,
                 "forward computes the output only; .grad is set by backward(), and zeroed by the optimizer"),
    ]


def _changed_params(ctx: JudgeContext) -> list[str]:
    names = set()
    for case_id, obs in ctx.learner.items():
        params = set(obs.get("param_names", ()))
        names |= {n for n in obs.get("state_changed", ()) if n in params or not ctx.cases[case_id].train}
    return sorted(names)


def judge_params_untouched(ctx: JudgeContext) -> Outcome:
    added = sorted({n for obs in ctx.learner.values() for n in obs.get("state_added", ())})
    if added:
        return Outcome.fail(f"forward added {', '.join(added)} to the model's state (a parameter or buffer registered "
                            "during forward): the model's state is fixed by __init__; compute it as a local tensor")
    changed = _changed_params(ctx)
    if changed:
        return Outcome.fail(f"forward changed {', '.join(changed)} in place: parameters and buffers must be left as "
                            f"they were")
    return Outcome.ok("parameters and buffers are untouched, and none are added")


def judge_inputs_untouched(ctx: JudgeContext) -> Outcome:
    if any(obs.get("inputs_changed") for obs in ctx.learner.values()):
        return Outcome.fail("forward modified its input tensor in place: the caller's x changed")
    return Outcome.ok("inputs are untouched")


def judge_grad_untouched(ctx: JudgeContext) -> Outcome:
    touched = sorted({n for obs in ctx.learner.values() for n in obs.get("grad_set_in_forward", ())})
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

MPS = "device/mps"


def device_check(ex: Exercise) -> CheckDef:
    """Portability by device emulation, on every machine: on any device, then on Apple's MPS (which
    has no float64). With --device cuda or mps every other case also runs on the GPU (see
    prepare.resolve_cases), which is the real-device half of the check."""
    cases = (CaseSpec(PORTABLE, device="emulated"), CaseSpec(MPS, device="emulated:mps"))
    return CheckDef(PORTABLE, "device", ("values/reference",), cases, judge_portable,
                    "create every tensor with device=x.device (and dtype=x.dtype), e.g. torch.zeros(n, "
                    "device=x.device), "
                    "and never call .cpu(), .cuda() or .to('mps') inside forward")


def judge_portable(ctx: JudgeContext) -> Outcome:
    """The forward run as if the model and input lived on another device, then on an Apple GPU
    (see runner.DeviceEmulator)."""
    obs = ctx.obs(PORTABLE)
    if obs["device_violations"]:
        return Outcome.fail("forward is tied to the CPU: " + "; ".join(obs["device_violations"]) +
                            " (on a GPU this raises 'Expected all tensors to be on the same device')")
    if obs["error"]:
        return Outcome.fail(raised(ctx, obs["error"], "on another device forward raised"))
    if obs.get("off_device_outputs"):
        return Outcome.fail("forward returned a tensor on the CPU for an input on another device: "
                            "something in forward is created on, or moved to, the CPU")
    outcome = all_cases(ctx, [PORTABLE], "on another device")
    if outcome.status != "pass":
        return outcome
    mps = ctx.obs(MPS)
    if mps["device_violations"]:
        return Outcome.fail("forward would fail on an Apple GPU (MPS): " + "; ".join(mps["device_violations"]))
    if mps["error"]:
        return Outcome.fail(raised(ctx, mps["error"], "on an Apple GPU (MPS) forward raised"))
    outcome = all_cases(ctx, [MPS], "on an Apple GPU (MPS)")
    if outcome.status != "pass":
        return outcome
    return Outcome.ok("forward follows its input's device (any GPU, Apple's MPS included), with nothing tied to "
                      "the CPU, CUDA or MPS")
