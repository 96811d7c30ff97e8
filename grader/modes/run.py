"""Learning modes that run the learner's model in the sandbox: the pipeline trace and the training trace.

A mode's plan is a grading plan with no cases and a `mode` ("trace" or "train") with its `spec`:
the child (grader.isolation.child) loads the learner's class, builds it with the reference's
weights and hands it to that mode's child side (grader.isolation.stages or .training), which writes
result frames (plain tensors and numbers); the parent only reads them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.isolation.failure import child_failure
from grader.isolation.portable import start_worker
from grader.isolation.protocol import Limits
from grader.isolation.submission import SubmissionError, read_submission
from grader.isolation.worker import Zygote
from grader.sources.source import load_source, reworder


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
    Without a `zygote`, one is started for this run and stopped after it. A notebook runs as the code
    that defines the class (grader.sources), and what the child says of its lines names the cells.
    """
    if Path(file).suffix.lower() == ".ipynb":
        return _run_notebook(plan, Path(file), limits, zygote, on_frame)
    return _run(plan, file, limits, zygote, on_frame)


def _run_notebook(plan: dict, file: Path, limits: Limits, zygote: Zygote | None,
                  on_frame: Callable[[dict], None] | None) -> tuple[list[dict], str | None]:
    try:
        real, data = read_submission(file)
    except SubmissionError as err:
        return [], str(err)
    source = load_source(real, str(file), plan["class_name"], data)
    if source.problem:
        return [], source.problem
    with tempfile.TemporaryDirectory(prefix="forwardlab-notebook-") as tmp:
        extracted = Path(tmp) / f"{file.stem or 'notebook'}.py"
        extracted.write_bytes(source.data)
        reword = reworder(source, str(extracted), source)
        seen = (lambda frame: on_frame(_retold(frame, reword))) if on_frame else None
        frames, problem = _run(plan, extracted, limits, zygote, seen)
    return [_retold(frame, reword) for frame in frames], problem and reword(problem)


def _retold(value: Any, reword: Callable[[str], str]) -> Any:
    """`value` (a frame: dicts, lists, strings, tensors) with every string reworded."""
    if isinstance(value, str):
        return reword(value)
    if isinstance(value, dict):
        return {key: _retold(item, reword) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_retold(item, reword) for item in value)
    return value


def _run(plan: dict, file: Path, limits: Limits, zygote: Zygote | None,
         on_frame: Callable[[dict], None] | None) -> tuple[list[dict], str | None]:
    import torch

    from grader.judging.prepare import answer_folders

    own = zygote is None
    zygote = zygote or start_worker()
    try:
        with tempfile.TemporaryDirectory(prefix="forwardlab-mode-") as tmp:
            plan_path = Path(tmp) / "plan.pt"
            torch.save(plan, plan_path)
            outcome = zygote.run(plan_path, limits, "cpu", file, on_frame=on_frame,
                                  answers=answer_folders())
    except SubmissionError as err:
        return [], str(err)
    finally:
        if own:
            zygote.close()
    loads = [f for f in outcome.frames if f.get("kind") == "load"]
    frames = [f for f in outcome.frames if f.get("kind") not in ("load", "done")]
    load_error = next((f["error"] for f in loads if f.get("error")), None)
    crash, limit = child_failure(limits, outcome, {str(i): f for i, f in enumerate(frames)})
    return frames, load_error or limit or crash
