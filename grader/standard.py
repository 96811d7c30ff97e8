"""The checks every exercise gets, in report order: load, api, shape, values, batch, grad, purity,
hooks, dtype, device; then the exercise's own; then whether the child ran to the end in its limits."""

from __future__ import annotations

from grader.checks import CheckDef, JudgeContext, Outcome, all_cases, case_error, values_check
from grader.compare import mismatch, structure
from grader.spec import CaseSpec, Exercise

MAIN = "values/default"


def standard_checks(ex: Exercise, device: str) -> list[CheckDef]:
    main = next(c for c in ex.value_cases() if c.id == MAIN)
    checks = [*load_checks(), *api_checks(ex),
              CheckDef("shape/output", "shape", ("load/started",), (main,), judge_shape,
                       "print(x.shape) after each step of forward and compare with the task's shapes"),
              values_check("values/reference", "values", ex.value_cases(), "values",
                           "compare each step with the lesson; the message names the most likely mistake"),
              *batch_checks(ex), *grad_checks(ex), *purity_checks(), hooks_check(ex)]
    checks += [values_check(f"dtype/{dt}", "dtype", [CaseSpec(f"dtype/{dt}", dtype=dt, batch=ex.main_batch)],
                            f"{dt} input", "create tensors with dtype=x.dtype; never hard-code float32",
                            depends=("values/reference",))
               for dt in ex.dtypes]
    if ex.check_device:
        checks.append(device_check(ex, device))
    return checks + ex.extra_checks()


def final_checks() -> list[CheckDef]:
    return [CheckDef("load/completed", "load", (), (), judge_completed,
                     "don't call exit() or os._exit(), and don't kill processes: return from forward"),
            CheckDef("time/limits", "time", (), (), judge_limits,
                     "look for an endless loop or a huge tensor; every check runs in a few seconds when forward is right")]


# --- load --------------------------------------------------------------------------------

def load_checks() -> list[CheckDef]:
    def stage(name: str, message: str):
        def judge(ctx: JudgeContext) -> Outcome:
            for config, load in ctx.loads.items():
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
        CheckDef("load/state-dict", "load", ("load/construct",), (), stage("state", "the reference's weights load by name"),
                 "keep the attribute names of the stub (fc1, fc2, ...): the grader copies weights in by state_dict names"),
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
        return Outcome.fail(f"forward{load['signature']} cannot be called as forward({', '.join(ctx.exercise.forward_args)}): "
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
    for name, why in {**ex.forbidden_ops, **ex.forbidden_modules}.items():
        if name in ops or name in classes:
            return Outcome.fail(f"forward uses {name}, which this exercise forbids: {why}")
    return Outcome.ok("no forbidden function or module is used")


# --- shape -------------------------------------------------------------------------------

def judge_shape(ctx: JudgeContext) -> Outcome:
    error = case_error(ctx, MAIN)
    if error:
        return error
    got, want = structure(ctx.obs(MAIN)["output"]), structure(ctx.reference[MAIN]["output"])
    if got != want:
        return Outcome.fail(f"expected {want}, got {got}")
    return Outcome.ok(f"output is {got}")


# --- batch -------------------------------------------------------------------------------

def batch_checks(ex: Exercise) -> list[CheckDef]:
    sizes = [CaseSpec(f"batch/size-{b}", batch=b) for b in ex.batch_sizes]
    big = max(ex.batch_sizes)
    rows = [CaseSpec(f"batch/row-{i}", batch=1, variant={"slice_of": f"batch/size-{big}", "index": i}) for i in range(big)]
    return [
        CheckDef("batch/sizes", "batch", ("values/reference",), tuple(sizes), judge_batch_sizes,
                 "use x.shape[0] (or x.size(0)) and -1 instead of a fixed batch size"),
        CheckDef("batch/per-sample", "batch", ("batch/sizes",), tuple(rows), judge_per_sample,
                 "every operation must act on each sample alone: flatten with x.flatten(1), reduce over dim=1, never dim=0"),
    ]


def judge_batch_sizes(ctx: JudgeContext) -> Outcome:
    failures = {}
    for case in ctx.cases.values():
        if case.id.startswith("batch/size-"):
            outcome = all_cases(ctx, [case.id], "")
            if outcome.status != "pass":
                failures[case.batch] = outcome.message
    if not failures:
        return Outcome.ok(f"batch sizes {', '.join(map(str, ctx.exercise.batch_sizes))} all match the reference")
    sizes = ", ".join(map(str, failures))
    first = next(iter(failures.values()))
    if 1 not in failures:
        return Outcome.fail(f"a batch of 1 is right but batch size(s) {sizes} are not: samples leak into each other "
                            f"or a batch size is hard-coded. {first}")
    return Outcome.fail(f"batch size(s) {sizes} differ from the reference. {first}")


def judge_per_sample(ctx: JudgeContext) -> Outcome:
    big = max(ctx.exercise.batch_sizes)
    batch_out = ctx.obs(f"batch/size-{big}")["output"]
    from torch.utils._pytree import tree_map

    for i in range(big):
        row = ctx.obs(f"batch/row-{i}")
        if row["error"]:
            return Outcome.fail(f"sample {i} alone (batch of 1) raised {row['error']['type']}: {row['error']['message']}")
        expected = tree_map(lambda t: t[i:i + 1], batch_out)
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
                 "don't use .detach(), torch.no_grad(), .item(), .numpy() or torch.tensor(...) on data inside forward"),
        CheckDef("grad/matches", "grad", ("grad/reaches",), case, judge_grad_matches,
                 "use the same operations as the reference: the gradient follows the computation"),
    ]


def judge_grad_reaches(ctx: JudgeContext) -> Outcome:
    obs = ctx.obs(GRAD)
    if obs["error"]:
        return Outcome.fail(f"forward raised {obs['error']['type']}: {obs['error']['message']}")
    if obs.get("grad_error"):
        return Outcome.fail(f"no gradient could flow back: {obs['grad_error']['message']}")
    expected = {ctx.exercise.to_learner_name(n) for n in ctx.reference[GRAD]["param_names"]}
    missing_params = sorted(expected - set(obs["param_names"]))
    if missing_params:
        return Outcome.fail(f"{', '.join(missing_params)} is not an nn.Parameter of your model, so it gets no gradient")
    dead = [n for n, g in obs["param_grads"].items() if g is None and n in expected]
    if dead:
        return Outcome.fail(f"no gradient reaches {', '.join(dead)}: that parameter does not take part in the output "
                            "(or is cut off by detach/no_grad)")
    if any(g is None for g in obs["input_grads"]):
        return Outcome.fail("no gradient reaches the input x: the output is cut off from the input")
    return Outcome.ok(f"gradients reach all {len(expected)} parameters and the input")


def judge_grad_matches(ctx: JudgeContext) -> Outcome:
    obs, ref = ctx.obs(GRAD), ctx.reference[GRAD]
    ref_grads = {ctx.exercise.to_learner_name(n): g for n, g in ref["param_grads"].items()}
    for name, grad in ref_grads.items():
        diff = mismatch(obs["param_grads"].get(name), grad, **ctx.tolerance)
        if diff:
            return Outcome.fail(f"the gradient of {name} differs from the reference's. {diff}")
    diff = mismatch(obs["input_grads"], ref["input_grads"], **ctx.tolerance)
    if diff:
        return Outcome.fail(f"the gradient with respect to the input differs from the reference's. {diff}")
    return Outcome.ok("gradients of every parameter and of the input match the reference's")


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
        return Outcome.fail(f"forward changed {', '.join(changed)} in place: parameters and buffers must be left as they were")
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
        return Outcome.fail(f"{name} ran {n} times in one forward, expected {want}")
    return Outcome.ok("forward hooks on the model and its submodules fire as expected")


# --- device ------------------------------------------------------------------------------

def device_check(ex: Exercise, device: str) -> CheckDef:
    if device == "cuda":
        cases = [CaseSpec(f"device/{c.id}", config=c.config, batch=c.batch, variant=c.variant, device="cuda")
                 for c in ex.value_cases()]
        return values_check("device/cuda", "device", cases, "on CUDA",
                            "create tensors with device=x.device; never call .cpu() or .cuda() inside forward")
    case = CaseSpec("device/portable", batch=ex.main_batch, device="emulated")
    return CheckDef("device/portable", "device", ("values/reference",), (case,), judge_portable,
                    "create every tensor with device=x.device (and dtype=x.dtype), e.g. torch.zeros(n, device=x.device), "
                    "and never call .cpu() or .cuda() inside forward")


def judge_portable(ctx: JudgeContext) -> Outcome:
    """The forward run as if the model and input lived on another device (see runner.DeviceEmulator)."""
    obs = ctx.obs("device/portable")
    if obs["device_violations"]:
        return Outcome.fail("forward is tied to the CPU: " + "; ".join(obs["device_violations"]) +
                            " (on a GPU this raises 'Expected all tensors to be on the same device')")
    if obs["error"]:
        return Outcome.fail(f"on another device forward raised {obs['error']['type']}: {obs['error']['message']}")
    if obs.get("off_device_outputs"):
        return Outcome.fail("forward returned a tensor on the CPU for an input on another device: "
                            "something in forward is created on, or moved to, the CPU")
    outcome = all_cases(ctx, ["device/portable"], "on another device")
    if outcome.status != "pass":
        return outcome
    return Outcome.ok("forward follows its input's device, with nothing tied to the CPU or CUDA")
