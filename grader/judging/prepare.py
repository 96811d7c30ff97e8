"""Preparing an exercise to judge submissions: its checks and cases, the run's probes (inputs, batch
sizes, seeds, gradient probes), the reference's weights (under the learner's names) and its own
observations of those probes, the child's plan, and the folders the child must not see.

Every preparation draws its probes from a fresh secret that never leaves this process: the child
receives inputs, never a seed, so it can neither predict a probe nor tell one from any other input,
and no answer can be computed ahead of the run. The reference is rebuilt each time (from torch alone,
a few milliseconds) and run on the probes; the weights, which do not depend on the secret, are seeded
by the config's name, as the learner's stub expects nothing of them. A Grader keeps what it prepared
for later checks (watch, batches): its children all see the same probes, which none can report back.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
import secrets
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import UsageError
from grader.isolation.protocol import Limits

if TYPE_CHECKING:
    import torch
    from torch import nn

    from grader.judging.checks import CheckDef
    from grader.judging.spec import CaseSpec, Exercise, Inputs

REDRAWS = 50  # attempts at inputs the exercise calls well posed before giving up (a spec error)


def case_seed(case_id: str) -> int:
    """A public seed derived from a name: the weights of a config, traces and training runs."""
    return int.from_bytes(hashlib.sha256(case_id.encode()).digest()[:4], "little")


class Secret:
    """The run's secret and everything drawn from it: generators keyed by name, batch sizes, seeds."""

    def __init__(self, value: int | None = None) -> None:
        self._value = secrets.randbits(64) if value is None else value

    def number(self, key: str) -> int:
        digest = hashlib.sha256(f"{self._value}/{key}".encode()).digest()
        return int.from_bytes(digest[:8], "little") >> 1  # 63 bits: torch seeds are signed

    def generator(self, key: str) -> torch.Generator:
        import torch

        return torch.Generator().manual_seed(self.number(key))

    def batches(self) -> dict[int, int]:
        """Batch role (spec.MAIN_BATCH, ...) -> this run's size: different from each other and from the
        edge sizes."""
        from grader.judging.spec import DRAWN_BATCHES, EDGE_BATCHES, LARGE_BATCH, MAIN_BATCH, SMALL_BATCH

        taken, sizes = set(EDGE_BATCHES), {}
        for role, name in ((MAIN_BATCH, "main"), (SMALL_BATCH, "small"), (LARGE_BATCH, "large")):
            choices = [b for b in DRAWN_BATCHES[name] if b not in taken]
            sizes[role] = choices[self.number(f"batch/{name}") % len(choices)]
            taken.add(sizes[role])
        return sizes


@dataclass
class Prepared:
    """An exercise made ready to judge submissions: everything but the learner's observations."""

    exercise: Exercise
    device: str
    checks: list[CheckDef]
    cases: dict[str, CaseSpec]  # as run: batch sizes, row indices and seeds of this run
    inputs: dict[str, Any]
    states: dict[str, dict]
    reference: dict[str, dict]
    plan_path: Path
    limits: Limits
    answers: list[str] = field(default_factory=list)  # folders the child must not see (see answer_folders)
    unsupported: dict[str, str] = field(default_factory=dict)  # dtype -> why this device cannot run it


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
            secret: Secret | None = None) -> Prepared:
    """Build the cases, draw this run's probes, run the reference on them and write the child's plan."""
    import torch

    # this side computes and compares small tensors: one thread is fastest, and with several
    # graded in parallel, more would only fight the children for the cores (10x slower judging)
    torch.set_num_threads(1)
    from grader.course import registry
    from grader.judging.standard import exercise_checks

    ex = registry.load(exercise_id)
    spec_file = registry.spec_files()[ex.id]
    secret = secret or Secret()
    with _instructor_code(ex, spec_file, "declaring the checks"):
        checks = exercise_checks(ex)
        cases = resolve_cases({c.id: c for check in checks for c in check.cases}, secret, device)
    refs: dict[str, nn.Module] = {}
    with _instructor_code(ex, spec_file, "building the reference"):
        for config in ex.configs:
            torch.random.default_generator.manual_seed(case_seed(config.name))  # the CPU's: no CUDA set-up
            refs[config.name] = ex.reference(config).eval()
        states = {name: ex.learner_state(ref) for name, ref in refs.items()}
    with _instructor_code(ex, spec_file, "drawing the inputs"):
        inputs = draw_inputs(ex, cases, refs, secret)
    # a dtype the device a case runs on lacks (float64 cases stay on the CPU with --device mps: see _stays)
    runs_on = {(c.dtype, c.device if c.device in GPUS else "cpu") for c in cases.values() if c.dtype}
    unsupported = {dt: why for dt, on in runs_on if (why := _unsupported(dt, on))}
    cases = {k: c for k, c in cases.items() if c.dtype not in unsupported}
    with _instructor_code(ex, spec_file, "building the reference"):
        reference, wire = observe_reference(ex, cases, inputs, refs, secret, spec_file)
    plan = {"class_name": ex.class_name, "forward_args": list(ex.forward_args),
            "configs": [{"name": c.name, "args": list(c.args), "kwargs": dict(c.kwargs)} for c in ex.configs],
            "states": states, "cases": wire}
    plan_path = workdir / f"{ex.id}-{device}-{secrets.token_hex(4)}.plan.pt"
    torch.save(plan, plan_path)
    return Prepared(ex, device, checks, cases, inputs, states, reference, plan_path,
                    limits or exercise_limits(ex.id), answer_folders(), unsupported)


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


def resolve_cases(declared: dict[str, CaseSpec], secret: Secret, device: str) -> dict[str, CaseSpec]:
    """The declared cases as this run makes them: drawn batch sizes, rows spread over the large batch,
    secret seeds, a secret number of repeated calls, and on a GPU every case that can run there on it."""
    from grader.judging.spec import ROWS

    sizes = secret.batches()
    out = {}
    for cid, case in declared.items():
        batch = sizes.get(case.batch, case.batch)
        variant = dict(case.variant)
        if "slice_of" in variant:  # a row: spread the nominal indices 0..ROWS-1 over the source's batch
            rows = sizes.get(declared[variant["slice_of"]].batch, declared[variant["slice_of"]].batch)
            variant["index"] = round(variant["index"] * (rows - 1) / max(1, ROWS - 1))
        seed = None if case.seed is None else secret.number(f"seed/{case.seed}")
        repeat = 0 if not case.repeat else case.repeat + secret.number("repeat") % (2 * case.repeat)
        moved = device if device in GPUS and not _stays(case, device) else case.device
        out[cid] = replace(case, batch=batch, variant=variant, seed=seed, repeat=repeat, device=moved)
    return out


def _stays(case: CaseSpec, device: str) -> bool:
    """Whether `case` stays off the GPU `device`: it is emulated, or its dtype does not exist there."""
    return (case.device or "").startswith("emulated") or (device == "mps" and case.dtype in NOT_ON_MPS)


def draw_inputs(ex: Exercise, cases: Mapping[str, CaseSpec], refs: Mapping[str, nn.Module],
                secret: Secret) -> dict[str, Inputs]:
    """Each case's inputs, from the secret; cases that ask for the same config, batch and variant get
    the same inputs, and a row case one sample of its source's."""
    import torch
    from torch.utils._pytree import tree_map

    from grader.judging.spec import Inputs, SpecError

    drawn: dict[str, Inputs] = {}
    out: dict[str, Inputs] = {}
    for cid, case in sorted(cases.items(), key=lambda item: "slice_of" in item[1].variant):
        source = case.variant.get("slice_of")
        if source:
            whole, i = out[source], case.variant["index"]
            cut = lambda t, i=i: t[i:i + 1] if isinstance(t, torch.Tensor) else t  # noqa: E731
            out[cid] = Inputs(tree_map(cut, whole.args), tree_map(cut, dict(whole.kwargs)))
            continue
        key = f"{case.config}/{case.batch}/{sorted(case.variant.items())}/{case.dtype}"
        if key not in drawn:
            gen, config = secret.generator(f"inputs/{key}"), ex.config(case.config)
            for _ in range(REDRAWS):
                drawn[key] = ex.inputs(config, case.batch, gen, case.variant)
                if ex.well_posed(refs[case.config], drawn[key], case.dtype):
                    break
            else:
                raise SpecError(f"{ex.id}: no well-posed inputs for {cid} in {REDRAWS} draws")
        out[cid] = drawn[key]
    return out


@functools.cache  # a property of this process's torch and device: probed once per exercise prepared otherwise
def _unsupported(dtype: str, device: str) -> str | None:
    """Why `device` cannot compute in `dtype`, or None (float16 is missing on some CPUs' builds)."""
    import torch

    target = getattr(torch, dtype)
    try:
        a = torch.ones(2, 3, 4, 4, dtype=target, device=device)
        torch.nn.functional.conv2d(a, torch.ones(3, 3, 1, 1, dtype=target, device=device)).sum().item()
        (a.flatten(1) @ a.flatten(1).T).softmax(-1).sum().item()
    except (RuntimeError, NotImplementedError, TypeError) as err:
        return f"{dtype} is not supported on {device} here ({str(err).splitlines()[0][:120]})"
    return None


def observe_reference(ex: Exercise, cases: Mapping[str, CaseSpec], inputs: Mapping[str, Inputs],
                      refs: Mapping[str, nn.Module], secret: Secret,
                      spec_file: Path) -> tuple[dict[str, dict], list[dict]]:
    """The reference's observation of every case, and the cases as the child receives them (with a
    secret gradient probe where a case asks for gradients). A reference that raises is a SpecError at
    its spec's line."""
    from grader.isolation.plain import error_text
    from grader.isolation.runner import run_case
    from grader.judging.spec import LOW_PRECISION, SpecError

    wire, reference = [], {}
    for cid, case in cases.items():
        # every Python function run is recorded (how a forbidden module's code run without calling the module
        # is caught) in the value cases only: it slows every call of forward several times over
        w = _wire(case, inputs[cid], record_functions=bool(ex.forbidden_modules) and cid.startswith("values/"))
        # the reference runs on the CPU and eagerly: only the learner's forward is moved or exported
        ref_case = {**w, "device": None if case.device in GPUS else case.device, "export": False, "repeat": 0}
        model = refs[case.config]
        if case.dtype in LOW_PRECISION:  # the exact answer, rounded once: what every correct forward is close to
            ref_case, model = _exact(ref_case, model, case.dtype)
        elif case.train or case.dtype:  # a forward that changes the model (buffers, dtype) runs on a copy
            model = copy.deepcopy(model)
        if case.grad:
            probe = run_case(model, {**ref_case, "stages": False}, observe=False)
            w["cotangent"] = ref_case["cotangent"] = _cotangent(probe["output"], secret.generator(f"cotangent/{cid}"))
            if case.train:
                model = copy.deepcopy(refs[case.config])
        observed = run_case(model, ref_case, str(spec_file), observe=False)
        if observed["error"]:
            error = observed["error"]
            line = re.match(r"line (\d+)", error.get("where", ""))
            raise SpecError(f"the reference raised on case {cid}: {error_text(error)}",
                            line=int(line.group(1)) if line else None)
        if case.dtype in LOW_PRECISION:
            observed["output"] = _cast(observed["output"], case.dtype)
        reference[cid] = observed
        wire.append(w)
    return reference, wire


def _exact(case: dict, model: nn.Module, dtype: str) -> tuple[dict, nn.Module]:
    """`case` and `model` in float64, with the inputs and weights first rounded to `dtype` (what the
    learner's model holds), so that the output is exact up to one final rounding."""
    exact = copy.deepcopy(model).to(_dtype(dtype)).double()
    return {**case, "dtype": "float64", "args": _cast(_cast(case["args"], dtype), "float64"),
            "kwargs": _cast(_cast(case["kwargs"], dtype), "float64")}, exact


def _dtype(name: str) -> torch.dtype:
    import torch

    return getattr(torch, name)


def _cast(value: Any, dtype: str) -> Any:
    import torch
    from torch.utils._pytree import tree_map

    target = _dtype(dtype)
    return tree_map(lambda t: t.to(target) if isinstance(t, torch.Tensor) and t.is_floating_point() else t, value)


def _wire(case: CaseSpec, inputs: Inputs, record_functions: bool) -> dict:
    """A case as the child receives it, with its inputs; `record_functions`: record every Python function
    forward runs (see runner.FunctionRecorder)."""
    return {"id": case.id, "config": case.config, "args": list(inputs.args), "kwargs": dict(inputs.kwargs),
            "train": case.train, "seed": case.seed, "dtype": case.dtype, "device": case.device,
            "stages": case.stages, "export": case.export, "repeat": case.repeat, "functions": record_functions,
            "cotangent": None}


def _cotangent(output: Any, gen: torch.Generator) -> Any:
    import torch
    from torch.utils._pytree import tree_map

    def draw(t: Any) -> Any:
        if not (isinstance(t, torch.Tensor) and t.is_floating_point()):
            return None
        return torch.randn(t.shape, generator=gen).to(t.dtype)

    return tree_map(draw, output)


def answer_folders() -> list[str]:
    """What computes the answers, which the child must not see: the grader's judging side and every
    content pack's specs (references, mistake tables) and solutions. The child's own runner stays."""
    from grader.course.content import content_dirs

    grader = Path(__file__).resolve().parents[1]
    folders = [grader / name for name in ("judging", "course", "modes", "output", "commands")]
    for pack in dict.fromkeys(d.resolve() for d in content_dirs()):
        folders += [pack / "specs", pack / "solutions"]
    return [str(f) for f in folders if f.is_dir()]
