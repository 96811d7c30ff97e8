"""Pipeline trace: the data flowing through the learner's forward, stage by stage, beside the reference's.

grader.isolation.stages.observe runs a model once and records every stage the data passes
through. The learner's model is observed in a child; the reference is observed here by the same
function, on the same batch with the same weights. `trace_file` lines the two up:
a learner stage matches when it equals its counterpart (the reference submodule of the same name, or
failing that any reference stage holding the same values), and the first stage that differs from
its counterpart is the first divergence.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from grader.errors import UsageError
from grader.isolation.plain import error_text
from grader.isolation.stages import observe, tensors
from grader.judging.compare import dims, structure
from grader.judging.stages import Match, first_divergence, match_stages
from grader.report import printable_tree

if TYPE_CHECKING:
    from grader.judging.spec import Exercise

MAX_BATCH = 1000
SAMPLE_VALUES = 4


def trace_inputs(exercise: Any, batch: int | None) -> tuple[Any, str]:
    """The batch to trace and where it comes from: real held-out digits for the digit classifiers,
    the exercise's own seeded inputs for the others."""
    from grader.judging.prepare import case_seed
    from grader.judging.spec import Inputs
    from grader.modes.train import TRAINABLE, held_out_batch

    if batch is not None and not 1 <= batch <= MAX_BATCH:
        raise UsageError(f"--batch must be 1-{MAX_BATCH}, got {batch}")
    if exercise.id in TRAINABLE:
        batch = batch or 64
        return Inputs((held_out_batch(batch),)), f"{batch} real handwritten digits (never trained on)"
    batch = batch or exercise.main_batch
    gen = torch.Generator().manual_seed(case_seed(f"trace/{batch}"))
    return exercise.inputs(exercise.configs[0], batch, gen, {}), f"generated inputs, batch of {batch}"


def trace_file(exercise: str, file: str | Path | None, batch: int | None = None, *, zygote=None) -> dict:
    """Trace the learner's forward beside the reference's; the result as `grader trace --json` prints it.

    {"exercise", "file", "inputs" (where the batch comes from), "status": "match" | "differs" | "error" |
     "not-started", "stages": [stage rows, see `_row`], "first_divergence": null or {"index", "name",
     "message"}, "error": null or a message, "truncated": bool}
    """
    from grader.course import registry
    from grader.grading import submission_paths
    from grader.judging.prepare import case_seed, exercise_limits
    from grader.modes.run import plan_for, run_plan

    exercise_id = registry.resolve(exercise)
    (path, label_), = submission_paths(exercise_id, [file])
    ex = registry.load(exercise_id)
    inputs, source = trace_inputs(ex, batch)
    torch.manual_seed(case_seed(ex.configs[0].name))
    reference = ex.reference(ex.configs[0])
    state = ex.learner_state(reference)
    args, kwargs = list(inputs.args), dict(inputs.kwargs)
    expected = observe(reference, args, kwargs, list(ex.forward_args))
    if expected["error"]:
        raise RuntimeError(f"the reference failed on the trace batch: {expected['error']}")
    spec = {"args": args, "kwargs": kwargs, "arg_names": list(ex.forward_args)}
    frames, problem = run_plan(plan_for(ex, state, "trace", spec), path, exercise_limits(exercise_id), zygote)
    observed = next((f for f in frames if f.get("kind") == "trace"), None)
    result = {"exercise": exercise_id, "file": label_, "inputs": source}
    if observed is None:
        return printable_tree({**result, "status": "error", "stages": [], "first_divergence": None,
                               "error": problem or "your model produced no trace", "truncated": False})
    return printable_tree({**result, **compare(ex, observed, expected, problem)})  # names and errors are the learner's


def compare(ex: Exercise, observed: dict, expected: dict, problem: str | None = None) -> dict:
    """Line the learner's stages up with the reference's: status, stage rows, first divergence, error."""
    learner, reference = observed["stages"], expected["stages"]
    matches = match_stages(ex, learner, reference, ex.rtol, ex.atol)
    rows = [_row(i, stage, reference, ex, match)
            for i, (stage, match) in enumerate(zip(learner, matches, strict=True), 1)]
    error = observed["error"]
    output_matches = bool(rows) and rows[-1]["kind"] == "output" and rows[-1]["matches"]
    if error is not None:
        status = "not-started" if error["type"] == "NotImplementedError" else "error"
    else:
        status = "match" if output_matches else "differs"
    divergence = None if status in ("match", "not-started") else \
        first_divergence(ex, learner, reference, matches, ex.rtol, ex.atol, error_text(error) if error else None)
    message = error_text(error) if error else (problem if not output_matches else None)
    return {"status": status, "stages": rows, "first_divergence": divergence, "error": message,
            "truncated": observed["truncated"]}


def _row(index: int, stage: dict, reference: list[dict], ex: Exercise, match: Match) -> dict:
    """A stage as shown: shapes as text, a few values of the first sample, the counterpart, the verdict."""
    first = next(iter(tensors(stage["output"])), None)
    j = match.counterpart
    return {"index": index, "name": stage["name"], "label": stage_label(stage), "kind": stage["kind"],
            "op": stage["op"], "in_shape": dims(stage["input_shapes"][0]) if stage["input_shapes"] else "",
            "out_shape": structure(stage["output"], compact=True),
            "shape": list(first.shape) if first is not None else None,
            "sample": sample_values(first), **value_range(first), "matches": match.matches,
            "reference": _counterpart(reference[j], ex) if j is not None else None, "note": match.difference}


def _counterpart(stage: dict, ex: Exercise) -> dict:
    """A reference stage as the learner knows it: submodules under the learner's attribute names."""
    name = ex.to_learner_name(stage["name"]) if stage["kind"] == "module" else stage["name"]
    return {"name": name, "label": stage_label({**stage, "name": name}), "kind": stage["kind"], "op": stage["op"],
            "out_shape": structure(stage["output"], compact=True)}


def stage_label(stage: dict) -> str:
    """How a stage is named on screen: 'fc1 (Linear)', 'x (input)', 'F.relu', 'output'; a step of a
    model that is one nn.Sequential has only an index for a name, so it is named by its type: 'Flatten'."""
    if stage["kind"] == "module":
        return stage["op"] if stage["name"].isdigit() else f"{stage['name']} ({stage['op']})"
    return f"{stage['name']} (input)" if stage["kind"] == "input" else stage["name"]


# --- how values are shown ---------------------------------------------------------------------------------

def sample_values(t: torch.Tensor | None) -> list[float]:
    """A few values of the first sample, spread evenly over it (the middle of an image, not its border)."""
    if t is None or t.numel() == 0:
        return []
    flat = (t[0] if t.dim() > 0 else t).flatten().double()
    n = flat.numel()
    picks = range(n) if n <= SAMPLE_VALUES else [int((k + 0.5) * n / SAMPLE_VALUES) for k in range(SAMPLE_VALUES)]
    return [round(float(flat[i]), 4) for i in picks]


def value_range(t: torch.Tensor | None) -> dict:
    if t is None or t.numel() == 0 or t.dtype == torch.bool:
        return {"min": None, "max": None}
    return {"min": round(float(t.min()), 4), "max": round(float(t.max()), 4)}
