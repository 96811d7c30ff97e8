"""Grading: prepare the exercise once (cases, inputs, weights, reference observations), run each
submission in an isolated child, judge its raw observations here, and build the Report.

`grade_files` is the one entry point (single file, batch, watch and service all use it);
`Grader` keeps prepared exercises and warm zygotes for re-use across calls.
"""

from __future__ import annotations

import copy
import hashlib
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.report import CheckResult, Report
from grader.sandbox import ChildOutcome, Limits, Zygote

# Output that imitates a verdict: a JSON/Gradescope result, a bare PASS/OK line, a check line as the
# grader prints it (a tick and a check id), a count of passed checks. Ordinary debug prints don't match.
REPORT_SHAPED = re.compile(r'"(status|result|outcome)"\s*:\s*"pass(ed)?"|"score"\s*:\s*[\d.]+'
                           r'|^\W*(pass(ed)?|ok|success|all (checks|tests) passed\W*)\W*$'
                           r'|^\s*[✓✔]\s*\w+/|\b\d+/\d+ (checks|tests) passed|^\s*exercise\d+\b.*\bpass'
                           r'|(?-i:^\W*(PASS(ED)?|OK)\b|\bPASSED\b)', re.I | re.M)
CHILD_FAILED = 70  # the child's exit status when the grader's own code in it failed (grader.child.main)
ENDLESS = "an endless loop, or far too much work?"


def case_seed(case_id: str) -> int:
    return int.from_bytes(hashlib.sha256(case_id.encode()).digest()[:4], "little")


@dataclass
class Prepared:
    """An exercise made ready to judge submissions: everything but the learner's observations."""

    exercise: object
    device: str
    checks: list
    cases: dict
    inputs: dict
    states: dict
    reference: dict
    plan_path: Path
    limits: Limits


def resolve_device(device: str) -> str:
    import torch

    if device not in ("cpu", "cuda", "auto"):
        raise UsageError(f"unknown device {device!r}; valid: cpu, cuda, auto")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available here; valid: cpu, auto")
    return device


def exercise_limits(exercise_id: str) -> Limits:
    from grader.content import load_exercise_meta

    try:
        limits = load_exercise_meta(exercise_id).limits
    except KeyError:
        return Limits()
    return Limits(wall_s=limits.time_s, cpu_s=limits.time_s * 2, memory_mb=limits.memory_mb)


def prepare(exercise_id: str, device: str, workdir: Path, limits: Limits | None = None,
            cache: Path | None = None) -> Prepared:
    """Build cases, inputs, weights and the reference's observations; write the child's plan.

    With `cache`, the weights, the plan and the reference's observations are kept there between
    runs (keyed by the grader's source and torch's version), so that a cold `grader check` does
    not rebuild the reference: it is computed by this side only, once.
    """
    import torch

    # this side computes and compares small tensors: one thread is fastest, and with several
    # graded in parallel, more would only fight the children for the cores (10x slower judging)
    torch.set_num_threads(1)
    from grader import registry
    from grader.standard import final_checks, standard_checks

    ex = registry.load(exercise_id)
    checks = standard_checks(ex) + final_checks()
    cases = {c.id: c for check in checks for c in check.cases}
    if device == "cuda":  # every case runs on the GPU; the reference stays on the CPU
        cases = {k: (c if c.device == "emulated" else _on(c, "cuda")) for k, c in cases.items()}
    inputs = {cid: _inputs(ex, c, cases) for cid, c in cases.items()}
    key = f"{ex.id}-{device}-{cache_key()}"
    cached = cache / f"{key}.pt" if cache else None
    saved = _read_cache(cached, cache / f"{key}.plan.pt") if cached else None
    if saved is not None:
        plan_path = cache / f"{key}.plan.pt"
        states, reference = saved["states"], saved["reference"]
    else:
        states, reference, plan = _reference_and_plan(ex, cases, inputs)
        plan_path = workdir / f"{key}.plan.pt"
        torch.save(plan, plan_path)
        if cached:
            try:
                _save_atomically({"states": states, "reference": reference}, cached, plan_path, cache / f"{key}.plan.pt")
            except OSError as err:  # an unusable cache costs speed next time, never the grade
                import sys

                print(f"notice: cannot write the reference cache in {cache} ({err.strerror or err}); "
                      "set FORWARDLAB_CACHE_DIR to a writable folder", file=sys.stderr)
    return Prepared(ex, device, checks, cases, inputs, states, reference, plan_path, limits or exercise_limits(ex.id))


def _read_cache(cached: Path, plan: Path) -> dict | None:
    """The cached weights and reference observations, or None when missing or unreadable (then they
    are computed again and the cache rewritten: a damaged cache costs time, never a grade)."""
    import torch

    if not (cached.is_file() and plan.is_file()):
        return None
    try:
        saved = torch.load(cached, weights_only=True)
    except Exception:  # noqa: BLE001 - truncated, corrupt or from an incompatible torch
        return None
    return saved if isinstance(saved, dict) and {"states", "reference"} <= saved.keys() else None


def cache_key() -> str:
    """Changes whenever the grader's code or torch's version does."""
    import torch

    digest = hashlib.sha256(torch.__version__.encode())
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _save_atomically(data: dict, target: Path, plan_src: Path, plan_target: Path) -> None:
    import shutil

    import torch

    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_suffix(".tmp")
    torch.save(data, tmp)
    shutil.copyfile(plan_src, plan_target.with_suffix(".tmp"))
    plan_target.with_suffix(".tmp").replace(plan_target)
    tmp.replace(target)


def _reference_and_plan(ex, cases: dict, inputs: dict) -> tuple[dict, dict, dict]:
    """The reference's weights (under learner names), its observation of every case, and the child's plan."""
    import torch

    from grader.runner import run_case

    refs, states = {}, {}
    for config in ex.configs:
        torch.manual_seed(case_seed(config.name))
        refs[config.name] = ex.reference(config).eval()
        states[config.name] = ex.learner_state(refs[config.name])
    wire, reference = [], {}
    for cid, case in cases.items():
        w = _wire(case, inputs[cid], record_functions=bool(ex.forbidden_modules))
        # the reference runs on the CPU and eagerly: only the learner's forward is exported
        ref_case = {**w, "device": None if case.device == "cuda" else case.device, "export": False}
        if case.grad:
            probe = run_case(copy.deepcopy(refs[case.config]), ref_case)
            gen = torch.Generator().manual_seed(case_seed(cid + "/cotangent"))
            w["cotangent"] = ref_case["cotangent"] = _cotangent(probe["output"], gen)
        reference[cid] = run_case(copy.deepcopy(refs[case.config]), ref_case)
        if reference[cid]["error"]:
            raise RuntimeError(f"reference failed on {cid}: {reference[cid]['error']}")
        wire.append(w)
    plan = {"class_name": ex.class_name, "forward_args": list(ex.forward_args),
            "configs": [{"name": c.name, "args": list(c.args), "kwargs": dict(c.kwargs)} for c in ex.configs],
            "states": states, "cases": wire}
    return states, reference, plan


def _on(case, device: str):
    from dataclasses import replace

    return replace(case, device=device)


def _inputs(ex, case, cases):
    """Seeded inputs; a 'row' case takes one sample of another case's batch."""
    import torch
    from torch.utils._pytree import tree_map

    from grader.spec import Inputs

    source = case.variant.get("slice_of")
    if source:
        whole = _inputs(ex, cases[source], cases)
        i = case.variant["index"]
        cut = lambda t: t[i:i + 1] if isinstance(t, torch.Tensor) else t  # noqa: E731
        return Inputs(tree_map(cut, whole.args), tree_map(cut, dict(whole.kwargs)))
    gen = torch.Generator().manual_seed(case_seed(f"{case.config}/{case.batch}/{sorted(case.variant.items())}"))
    return ex.inputs(ex.config(case.config), case.batch, gen, case.variant)


def _wire(case, inputs, record_functions: bool) -> dict:
    """A case as the child receives it. Recording every Python function called (how a forbidden
    module's code run without calling the module is caught) costs time: only where modules are forbidden."""
    return {"id": case.id, "config": case.config, "args": list(inputs.args), "kwargs": dict(inputs.kwargs),
            "train": case.train, "seed": case.seed, "dtype": case.dtype, "device": case.device,
            "stages": case.stages, "export": case.export, "functions": record_functions, "cotangent": None}


def _cotangent(output, gen):
    import torch
    from torch.utils._pytree import tree_map

    return tree_map(lambda t: torch.randn(t.shape, generator=gen) if isinstance(t, torch.Tensor) and t.is_floating_point() else None,
                    output)


# --- judging ---------------------------------------------------------------------------------

def judge(prep: Prepared, file_label: str, outcome: ChildOutcome, duration_s: float) -> Report:
    from grader.checks import JudgeContext, Missing, Outcome

    loads = {f.get("config"): f for f in outcome.frames if f.get("kind") == "load"}
    learner = {f.get("id"): f for f in outcome.frames if f.get("kind") == "case"}
    crash, limit = child_failure(prep, outcome, learner)
    if limit:  # what running out of memory broke is reported as the limit, not as forward's own error
        learner = {k: o for k, o in learner.items() if not _is_memory_error(o.get("error"))}
        loads = {k: {**f, "error": f"{limit} ({f['error']})"} if _is_memory_error(f) else f for k, f in loads.items()}
    ctx = JudgeContext(prep.exercise, prep.device, prep.cases, prep.reference, learner, loads, prep.states,
                       prep.inputs, child_failure=limit or crash, extra={"crash": crash, "limit": limit})
    results: dict[str, CheckResult] = {}
    for check in prep.checks:
        blocked = [d for d in check.depends if d in results and results[d].status != "pass"]
        if blocked:
            outcome_ = Outcome.skip(f"skipped: {blocked[0]} did not pass")
        else:
            try:
                outcome_ = check.judge(ctx)
            except Missing as gone:
                outcome_ = Outcome.skip(f"did not run: {gone}")
            except Exception as err:  # noqa: BLE001 - never a pass: an unjudgeable result fails, with the reason
                outcome_ = Outcome.fail(f"the grader could not judge this result ({type(err).__name__}: {err})")
        hint = (outcome_.hint or check.hint) if outcome_.status == "fail" else ""
        results[check.id] = CheckResult(check.id, check.category, outcome_.status, outcome_.message, hint)
    checks = list(results.values())
    not_started = results.get("load/started") is not None and results["load/started"].status == "fail" \
        and "NotImplementedError" in results["load/started"].message
    return Report(prep.exercise.id, file_label, Report.decide(checks, not_started), prep.device,
                  duration_s, checks, outcome.output)


def child_failure(prep: Prepared, outcome: ChildOutcome, learner: dict) -> tuple[str | None, str | None]:
    """(crash, limit): why the child did not finish cleanly, in the learner's terms; a limit is
    named with its value. Reads only `prep.limits` (grader.modes passes nothing else)."""
    import signal as sig

    limits = prep.limits
    loads = [f for f in outcome.frames if f.get("kind") == "load"]
    cpu_limit = max(1, int(limits.cpu_s))  # what RLIMIT_CPU was set to
    limit = crash = None
    if outcome.output_exceeded:
        limit = (f"your code printed more than its output limit of {limits.output_bytes:,} bytes and was stopped: "
                 "look for a print in a loop (the start of its output is shown)")
    elif outcome.timed_out:
        limit = f"your code ran past its time limit of {limits.wall_s:g} s and was stopped ({ENDLESS})"
    elif outcome.signal == sig.SIGXCPU or (outcome.signal == sig.SIGKILL and outcome.cpu_s >= cpu_limit - 0.05):
        limit = f"your code used more than its CPU time limit of {cpu_limit} s and was stopped ({ENDLESS})"
    elif any(_is_memory_error(o.get("error")) for o in learner.values()) or any(_is_memory_error(f) for f in loads):
        limit = (f"your code ran out of memory: it tried to use more than its memory limit of {limits.memory_mb} MB "
                 "(a huge tensor, or a list that keeps growing?)")
    elif outcome.signal == sig.SIGKILL:
        limit = f"your code was killed (SIGKILL): most likely it ran out of memory (limit {limits.memory_mb} MB)"
    elif outcome.output_bytes > limits.output_bytes:
        limit = (f"your code printed {outcome.output_bytes:,} bytes, more than its output limit of "
                 f"{limits.output_bytes:,} (output truncated)")
    if outcome.worker_lost:
        crash = "your code took down the grading worker process"
    elif outcome.signal not in (None, sig.SIGKILL, sig.SIGXCPU):
        crash = f"your code crashed with signal {sig.Signals(outcome.signal).name} ({sig.strsignal(outcome.signal)})"
    elif outcome.frame_error:
        crash = outcome.frame_error
    elif outcome.leftover:
        crash = (f"your code started {outcome.leftover} process(es) that were still running when it ended "
                 "(they were stopped): forward must not start processes that outlive it")
    elif outcome.exit_code == CHILD_FAILED and not limit:
        crash = f"the grading process could not record your results ({_last_line(outcome.output)}): " \
                "did your code change the grader's or torch's functions?"
    elif not outcome.finished and not limit:
        crash = (f"your code exited early (exit status {outcome.exit_code}) before the checks finished: "
                 "don't call exit(), sys.exit() or os._exit(), and don't kill processes")
    elif REPORT_SHAPED.search(outcome.output):
        crash = "your code printed something that looks like a grader report: printing a result is not passing it"
    return crash, limit


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no error was printed"


def _is_memory_error(error: dict | str | None) -> bool:
    if isinstance(error, dict):  # a load report holds its error as text; an observation as type and message
        error = error.get("error") if error.get("kind") == "load" else f"{error.get('type')}: {error.get('message')}"
    return isinstance(error, str) and ("MemoryError" in error or "can't allocate memory" in error
                                       or "not enough memory" in error.lower())


# --- running ---------------------------------------------------------------------------------

class Grader:
    """Prepared exercises and warm zygotes, kept for re-use (batch, watch, service)."""

    def __init__(self, jobs: int = 1, limits: Limits | None = None, cache: Path | None = None,
                 sandbox: bool = False) -> None:
        self.sandbox = sandbox  # run the zygotes under bubblewrap (grader.sandbox.bwrap_command)
        self.zygotes = [Zygote(sandbox) for _ in range(max(1, jobs))]  # start now: they import torch while we do
        self.limits = limits
        self.cache = cache
        self._tmp = tempfile.TemporaryDirectory(prefix="forwardlab-")
        self._prepared: dict[tuple[str, str], Prepared] = {}

    def prepared(self, exercise_id: str, device: str) -> Prepared:
        key = (exercise_id, device)
        if key not in self._prepared:
            self._prepared[key] = prepare(exercise_id, device, Path(self._tmp.name), self.limits, self.cache)
        return self._prepared[key]

    def grade(self, prep: Prepared, file: Path, label: str, slot: int = 0) -> Report:
        start = time.perf_counter()
        zygote = self.zygotes[slot]
        if not zygote.alive:
            zygote = self.zygotes[slot] = Zygote(self.sandbox)
        warm = ("export",) if any(c.export for c in prep.cases.values()) else ()
        outcome = zygote.run(prep.plan_path, prep.limits, prep.device, file, warm=warm)
        return judge(prep, label, outcome, time.perf_counter() - start)

    def grade_many(self, prep: Prepared, files: list[tuple[Path, str]],
                   on_done: Callable[[Report], None] | None = None) -> list[Report]:
        """Grade files on all zygotes at once; reports come back in the order of `files`."""
        slots = list(range(len(self.zygotes)))
        results: list[Report | None] = [None] * len(files)
        pending, lock = iter(range(len(files))), threading.Lock()

        def work(slot: int) -> None:
            # each free worker takes the next file: one slow submission holds up only its own worker
            while (i := _next(pending, lock)) is not None:
                results[i] = self._grade_in_batch(prep, *files[i], slot) if len(files) > 1 \
                    else self.grade(prep, *files[i], slot=slot)
                if on_done:
                    on_done(results[i])

        with ThreadPoolExecutor(len(slots)) as pool:
            list(pool.map(work, slots))
        return [r for r in results if r is not None]

    def _grade_in_batch(self, prep: Prepared, file: Path, label: str, slot: int) -> Report:
        """A batch never stops for one submission: if grading it fails twice (a fresh worker the
        second time), that submission alone gets a failing report saying so."""
        for _attempt in range(2):
            try:
                return self.grade(prep, file, label, slot=slot)
            except Exception as err:  # noqa: BLE001 - reported in this submission's result
                error = err
                self.zygotes[slot].close()
        message = f"the grader could not run this submission ({type(error).__name__}: {error}); grade it again alone"
        checks = [CheckResult(c.id, c.category, "skip", "not graded") for c in prep.checks]
        checks[0] = CheckResult(checks[0].id, checks[0].category, "fail", message)
        return Report(prep.exercise.id, label, "fail", prep.device, 0.0, checks)

    def close(self) -> None:
        for z in self.zygotes:
            z.close()
        self._tmp.cleanup()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _next(items, lock) -> int | None:
    with lock:
        return next(items, None)


def reference_cache() -> Path | None:
    """Where single checks keep prepared references: $FORWARDLAB_CACHE_DIR, else the user cache dir."""
    import os

    if os.environ.get("FORWARDLAB_NO_CACHE"):
        return None
    if os.environ.get("FORWARDLAB_CACHE_DIR"):
        return Path(os.environ["FORWARDLAB_CACHE_DIR"])
    from platformdirs import user_cache_path

    return user_cache_path("forwardlab", appauthor=False) / "prepared"


def submission_paths(exercise_id: str, files: Iterable[str | Path | None]) -> list[tuple[Path, str]]:
    """(absolute path, label as the user wrote it); a missing file is a usage error."""
    from grader.workspace import default_file

    out = []
    for f in files:
        label = str(f) if f is not None else str(default_file(exercise_id, relative=True))
        path = Path(f) if f is not None else default_file(exercise_id)
        if not path.is_file():
            raise UsageError(f"no such file: {label}" + ("" if f is not None else
                             " (run `grader init` to create the exercises, or pass a FILE)"))
        out.append((path.resolve(), label))
    return out


def grade_files(exercise_id: str, files: list, *, device: str = "cpu", store=None, jobs: int = 1,
                limits: Limits | None = None, on_done: Callable[[Report], None] | None = None,
                sandbox: bool = False) -> list[Report]:
    """Grade every file; record each report in `store` when given. `sandbox`: under bubblewrap."""
    paths = submission_paths(exercise_id, files)
    if device != "cpu":  # fail fast on a missing GPU, before any worker starts
        device = resolve_device(device)
    # a batch prepares afresh: one submission must never be able to touch what the next is judged by
    cache = reference_cache() if len(paths) == 1 else None
    with Grader(jobs=min(jobs, len(paths)), limits=limits, cache=cache, sandbox=sandbox) as grader:
        prep = grader.prepared(exercise_id, resolve_device(device))
        reports = grader.grade_many(prep, paths, on_done)
    if store is not None:
        for report in reports:
            store.record_check(report.to_dict())
    return reports
