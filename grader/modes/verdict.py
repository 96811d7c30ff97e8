"""The file's `grader check` verdict, carried by both learning modes so that they never flatter a wrong forward.

`checked` grades the file as `grader check` does before the mode runs (not recorded: the learner
did not ask for a check), and the result carries that verdict under "check"; `check_note` words it
for the top of a trace or training view. A model without its ReLU still trains to about 90% on the
digits: a good curve is no proof of a correct forward, and the views say so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from grader.grading import Grader
from grader.isolation.worker import Zygote
from grader.report import Report

# Measured with `grader train 2` (5 epochs, seed 0): the reference 91.9%, the same model without its ReLU 90.1%.
TRAIN_LESSON = ("Accuracy is not correctness: without its ReLU this model is linear, and a linear model "
                "still gets about 90% of these digits right (the correct one about 92%).")
TRACE_LESSON = "The trace runs one batch in eval mode; the checks also try other batches, gradients and train mode."


def check_summary(report: Report) -> dict:
    """The verdict as a mode's result carries it: {"status", "passed", "total", "failed": [{"id",
    "category", "message" (its first line)}]}."""
    return {"status": report.status, "passed": report.passed, "total": len(report.checks),
            "failed": [{"id": c.id, "category": c.category, "message": c.message.partition("\n")[0]}
                       for c in report.failed]}


def checked(grader: Grader, exercise_id: str, file: str | Path | None, run: Callable[[Zygote], dict]) -> dict:
    """Grade `file` on `grader`, then `run(zygote)` the mode on its warm zygote; the mode's result with
    "check" added."""
    report, = grader.check(exercise_id, [file])  # the one grading path: a notebook is read as check reads it
    return {**run(grader.zygotes[0]), "check": check_summary(report)}


def check_note(check: dict | None, mode: str) -> str | None:
    """What the top of a trace ("trace") or training ("train") view says when the file fails `grader check`
    (None when it passes or is not started: the mode's own verdict says that). Backticks mark code."""
    if not check or check["status"] != "fail":
        return None
    failed = check["failed"]
    count = f"{len(failed)} of {check['total']} checks"
    first = f", first `{failed[0]['id']}`" if failed else ""
    lesson = TRAIN_LESSON if mode == "train" else TRACE_LESSON
    return f"Your file fails `grader check` ({count}{first}). {lesson}"
