"""Preparing an exercise to judge submissions: its checks and cases, seeded inputs, the reference's
weights (under the learner's names) and the reference's own observations, and the child's plan.

Single checks keep what they prepare in a cache (keyed by the grader's and the spec's source and
torch's version); a batch always prepares afresh, so that no submission can touch what the next
is judged by.
"""

from __future__ import annotations

import copy
import hashlib
import re
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import UsageError
from grader.isolation.protocol import Limits

if TYPE_CHECKING:
    from grader.judging.checks import CheckDef
    from grader.judging.spec import CaseSpec, Exercise


def case_seed(case_id: str) -> int:
    return int.from_bytes(hashlib.sha256(case_id.encode()).digest()[:4], "little")


@dataclass
class Prepared:
    """An exercise made ready to judge submissions: everything but the learner's observations."""

    exercise: Exercise
    device: str
    checks: list[CheckDef]
    cases: dict[str, CaseSpec]
    inputs: dict[str, Any]
    states: dict[str, dict]
    reference: dict[str, dict]
    plan_path: Path
    limits: Limits


DEVICES = ("cpu", "cuda", "mps", "auto")
GPUS = ("cuda", "mps")  # a GPU: every case but the emulated ones runs there, the reference on the CPU
NOT_ON_MPS = ("float64",)  # dtypes MPS lacks: those cases stay on the CPU with --device mps


def available_gpus() -> list[str]:
    """The GPU kinds torch can use here, in the order `auto` prefers them."""
    import torch

    return [kind for kind, usable in (("cuda", torch.cuda.is_available()), ("mps", torch.backends.mps.is_available()))
            if usable]


def resolve_device(device: str) -> str:
    """cpu, cuda or mps: `auto` picks the first GPU available (CUDA, then Apple's MPS), else the CPU."""
    if device not in DEVICES:
        raise UsageError(f"unknown device {device!r}; valid: {', '.join(DEVICES)}")
    if device == "cpu":
        return device
    gpus = available_gpus()
    if device == "auto":
        return gpus[0] if gpus else "cpu"
    if device not in gpus:
        name = "CUDA" if device == "cuda" else "Apple GPU (MPS)"
        raise UsageError(f"--device {device}: no {name} device is available here; valid: cpu, auto"
                         + "".join(f", {g}" for g in gpus))
    return device


def exercise_limits(exercise_id: str) -> Limits:
    from grader.course.content import load_exercise_meta

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
    from grader.course import registry
    from grader.judging.standard import exercise_checks

    ex = registry.load(exercise_id)
    spec_file = registry.spec_files()[ex.id]
    with _instructor_code(ex, spec_file, "declaring the checks and inputs"):
        checks = exercise_checks(ex)
        cases = {c.id: c for check in checks for c in check.cases}
        if device in GPUS:  # every case runs on the GPU (the emulated ones emulate); the reference stays on the CPU
            cases = {k: (c if _stays(c, device) else _on(c, device)) for k, c in cases.items()}
        inputs = {cid: _inputs(ex, c, cases) for cid, c in cases.items()}
    key = f"{ex.id}-{device}-{cache_key(spec_file)}"
    cached, cached_plan = (cache / f"{key}.pt", cache / f"{key}.plan.pt") if cache else (None, None)
    saved = _read_cache(cached, cached_plan) if cached and cached_plan else None
    if saved is not None and cached_plan is not None:
        plan_path = cached_plan
        states, reference = saved["states"], saved["reference"]
    else:
        with _instructor_code(ex, spec_file, "building the reference"):
            states, reference, plan = _reference_and_plan(ex, cases, inputs, spec_file)
        plan_path = workdir / f"{key}.plan.pt"
        torch.save(plan, plan_path)
        if cached and cached_plan:
            try:
                _save_atomically({"states": states, "reference": reference}, cached, plan_path, cached_plan)
            except OSError as err:  # an unusable cache costs speed next time, never the grade
                print(f"notice: cannot write the reference cache in {cache} ({err.strerror or err}); "
                      "set FORWARDLAB_CACHE_DIR to a writable folder", file=sys.stderr)
    return Prepared(ex, device, checks, cases, inputs, states, reference, plan_path, limits or exercise_limits(ex.id))


@contextmanager
def _instructor_code(ex: Exercise, spec_file: Path, doing: str) -> Iterator[None]:
    """Errors of the exercise's own code (its spec, its reference) become one PackError line at the
    spec's line; the grader's own errors pass through as they are."""
    from grader.course.registry import spec_error
    from grader.judging.spec import SpecError

    try:
        yield
    except Exception as err:
        if isinstance(err, SpecError):  # the engine's own finding: its message says it all
            raise spec_error(spec_file, f"{ex.id}: {err}", exercise=ex, line=err.line) from err
        if any(Path(f.filename) == spec_file for f in traceback.extract_tb(err.__traceback__)):
            raise spec_error(spec_file, f"{ex.id}: {doing} failed", err, ex) from err
        raise


def _read_cache(cached: Path, plan: Path) -> dict | None:
    """The cached weights and reference observations, or None when missing, unreadable or not safely
    ours (then they are computed again and the cache rewritten: a damaged cache costs time, never a grade)."""
    import torch

    if not (_private_file(cached) and _private_file(plan)):
        return None
    try:
        saved = torch.load(cached, weights_only=True)
    except Exception:  # noqa: BLE001 - truncated, corrupt or from an incompatible torch
        return None
    return saved if isinstance(saved, dict) and {"states", "reference"} <= saved.keys() else None


def cache_key(spec_file: Path) -> str:
    """Changes whenever the grader's code, the exercise's spec or torch's version does."""
    import torch

    digest = hashlib.sha256(torch.__version__.encode())
    for path in [*sorted(Path(__file__).parents[1].rglob("*.py")), spec_file]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _private_file(path: Path) -> bool:
    """A regular file of ours that no one else may write; made unreadable to others if it was not
    (the reference's outputs are answers: a learner's process must never read them)."""
    import os
    import stat

    try:
        info = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        return False
    if info.st_mode & 0o077:
        path.chmod(0o600)
    return True


def _save_atomically(data: dict, target: Path, plan_src: Path, plan_target: Path) -> None:
    """Both files readable by us alone, whatever the folder's mode (it may be an existing 0755 one)."""
    import os

    import torch

    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if target.parent.stat().st_uid == os.geteuid():
        target.parent.chmod(0o700)
    tmp, plan_tmp = target.with_suffix(".tmp"), plan_target.with_suffix(".tmp")
    for path in (tmp, plan_tmp):
        path.unlink(missing_ok=True)
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), "wb") as file:
        torch.save(data, file)
    with os.fdopen(os.open(plan_tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), "wb") as file:
        file.write(plan_src.read_bytes())
    plan_tmp.replace(plan_target)
    tmp.replace(target)


def _reference_and_plan(ex, cases: dict, inputs: dict, spec_file: Path) -> tuple[dict, dict, dict]:
    """The reference's weights (under learner names), its observation of every case, and the child's plan."""
    import torch

    from grader.isolation.plain import error_text
    from grader.isolation.runner import run_case
    from grader.judging.spec import SpecError

    refs, states = {}, {}
    for config in ex.configs:
        torch.manual_seed(case_seed(config.name))
        refs[config.name] = ex.reference(config).eval()
        states[config.name] = ex.learner_state(refs[config.name])
    wire, reference = [], {}
    for cid, case in cases.items():
        w = _wire(case, inputs[cid], record_functions=bool(ex.forbidden_modules))
        # the reference runs on the CPU and eagerly: only the learner's forward is exported
        ref_case = {**w, "device": None if case.device in GPUS else case.device, "export": False}
        if case.grad:
            probe = run_case(copy.deepcopy(refs[case.config]), ref_case)
            gen = torch.Generator().manual_seed(case_seed(cid + "/cotangent"))
            w["cotangent"] = ref_case["cotangent"] = _cotangent(probe["output"], gen)
        reference[cid] = run_case(copy.deepcopy(refs[case.config]), ref_case, str(spec_file))
        if reference[cid]["error"]:
            error = reference[cid]["error"]
            line = re.match(r"line (\d+)", error.get("where", ""))
            raise SpecError(f"the reference raised on case {cid}: {error_text(error)}",
                            line=int(line.group(1)) if line else None)
        wire.append(w)
    plan = {"class_name": ex.class_name, "forward_args": list(ex.forward_args),
            "configs": [{"name": c.name, "args": list(c.args), "kwargs": dict(c.kwargs)} for c in ex.configs],
            "states": states, "cases": wire}
    return states, reference, plan


def _on(case: CaseSpec, device: str) -> CaseSpec:
    return replace(case, device=device)


def _stays(case: CaseSpec, device: str) -> bool:
    """Whether `case` stays off the GPU `device`: it is emulated, or its dtype does not exist there."""
    return (case.device or "").startswith("emulated") or (device == "mps" and case.dtype in NOT_ON_MPS)


def _inputs(ex, case, cases):
    """Seeded inputs; a 'row' case takes one sample of another case's batch."""
    import torch
    from torch.utils._pytree import tree_map

    from grader.judging.spec import Inputs

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

    def draw(t: Any) -> Any:
        return torch.randn(t.shape, generator=gen) if isinstance(t, torch.Tensor) and t.is_floating_point() else None

    return tree_map(draw, output)


def reference_cache() -> Path | None:
    """Where single checks keep prepared references: $FORWARDLAB_CACHE_DIR, else the user cache dir."""
    import os

    if os.environ.get("FORWARDLAB_NO_CACHE"):
        return None
    if os.environ.get("FORWARDLAB_CACHE_DIR"):
        return Path(os.environ["FORWARDLAB_CACHE_DIR"])
    from platformdirs import user_cache_path

    return user_cache_path("forwardlab", appauthor=False) / "prepared"
