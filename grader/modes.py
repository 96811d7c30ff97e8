"""Learning modes that run the learner's model in the sandbox: the pipeline trace and the training trace.

A mode's plan is a grading plan with no cases and a `mode` ("trace" or "train") with its `spec`:
the child (grader/child.py) loads the learner's class, builds it with the reference's weights and
hands it to `run_in_child`, which calls that mode's own `run_in_child` in grader.trace or
grader.train. The mode writes result frames (plain tensors and numbers); the parent only reads them.
Nothing here imports torch at module level: the child imports this module, and so does the parent.

Both modes are honest about correctness: `checked` grades the file as `grader check` does first,
and the result carries that verdict ("check"), so that a trace or a training run of a wrong forward
says so at the top (`check_note`), however well it trains.
"""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from grader.report import Report
from grader.sandbox import Limits, Zygote

MODES = {"trace": "grader.trace", "train": "grader.train_loop"}
# Measured with `grader train 2` (5 epochs, seed 0): the reference 91.9%, the same model without its ReLU 90.1%.
TRAIN_LESSON = ("Accuracy is not correctness: without its ReLU this model is linear, and a linear model "
                "still gets about 90% of these digits right (the correct one about 92%).")
TRACE_LESSON = "The trace runs one batch in eval mode; the checks also try other batches, gradients and train mode."


def run_in_child(plan: dict, model: Any, emit: Callable[[dict], None], learner_file: str) -> None:
    """Child side: run the plan's mode on the learner's freshly built model."""
    importlib.import_module(MODES[plan["mode"]]).run_in_child(model, plan["spec"], emit, learner_file)


def plan_for(exercise: Any, state: dict, mode: str, spec: dict) -> dict:
    """A mode plan for `exercise` in its first configuration, starting from `state` (learner names)."""
    config = exercise.configs[0]
    return {"class_name": exercise.class_name, "forward_args": list(exercise.forward_args),
            "configs": [{"name": config.name, "args": list(config.args), "kwargs": dict(config.kwargs)}],
            "states": {config.name: state}, "cases": [], "mode": mode, "spec": spec}


def run_plan(plan: dict, file: Path, limits: Limits, zygote: Zygote | None = None,
             on_frame: Callable[[dict], None] | None = None) -> tuple[list[dict], str | None]:
    """Run `plan` on the learner's `file` in a child; (the mode's frames, why the child failed or None).

    `on_frame` sees each frame as the child writes it (a training epoch as soon as it ends).
    Without a `zygote`, one is started for this run and stopped after it.
    """
    import torch

    own = zygote is None
    zygote = zygote or Zygote()
    try:
        with tempfile.TemporaryDirectory(prefix="forwardlab-mode-") as tmp:
            plan_path = Path(tmp) / "plan.pt"
            torch.save(plan, plan_path)
            outcome = zygote.run(plan_path, limits, "cpu", file, on_frame=on_frame)
    finally:
        if own:
            zygote.close()
    loads = [f for f in outcome.frames if f.get("kind") == "load"]
    frames = [f for f in outcome.frames if f.get("kind") not in ("load", "done")]
    load_error = next((f["error"] for f in loads if f.get("error")), None)
    return frames, load_error or _child_problem(outcome, limits, frames)


def check_summary(report: Report) -> dict:
    """The verdict of `grader check` as a mode's result carries it: {"status", "passed", "total", "failed":
    [{"id", "category", "message" (its first line)}]}."""
    return {"status": report.status, "passed": report.passed, "total": len(report.checks),
            "failed": [{"id": c.id, "category": c.category, "message": c.message.partition("\n")[0]}
                       for c in report.failed]}


def checked(grader: Any, exercise_id: str, file: str | Path | None, run: Callable[[Zygote | None], dict]) -> dict:
    """Grade `file` as `grader check` does (not recorded: the learner did not ask for a check), then
    `run(zygote)` the mode on the grader's warm zygote; the mode's result with "check" added."""
    from grader.engine import submission_paths

    (path, label), = submission_paths(exercise_id, [file])
    report = grader.grade(grader.prepared(exercise_id, "cpu"), path, label)
    return {**run(grader.zygotes[0]), "check": check_summary(report)}


def check_note(check: dict | None, mode: str) -> str | None:
    """What the top of a trace or training view says when the file fails `grader check` (None when it
    passes or is not started: the mode's own verdict says that). Backticks mark code."""
    if not check or check["status"] != "fail":
        return None
    failed = check["failed"]
    count = f"{len(failed)} of {check['total']} checks"
    first = f", first `{failed[0]['id']}`" if failed else ""
    lesson = TRAIN_LESSON if mode == "train" else TRACE_LESSON
    return f"Your file fails `grader check` ({count}{first}). {lesson}"


def _child_problem(outcome: Any, limits: Limits, frames: list[dict]) -> str | None:
    """Why the child did not finish cleanly, in the same words as a check's report."""
    from grader.engine import child_failure

    # child_failure reads only the limits of what it judges, and the errors of what the child observed
    crash, limit = child_failure(SimpleNamespace(limits=limits), outcome, {str(i): f for i, f in enumerate(frames)})
    return limit or crash
