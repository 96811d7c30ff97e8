"""The grader's public Python API: what the TUI, the CLI and other tools call.

Importing this module is cheap (no torch, no pydantic); the heavy parts load on first use.
- `exercise_ids()`, `resolve_exercise("3")`, `list_exercises(store)`, `catalogue_problems()`: the catalogue.
- `check(exercise, file)`: grade one file in this process (the learner's code still runs in a child).
- `GradingClient`: a warm grading worker in a separate process, for fast re-checks from a UI that
  must never import torch itself (the TUI, `grader watch`).
- `next_hint`, `init_workspace`, `default_file`: the learner's workspace.
- `trace`, `train`: the pipeline and training traces of the learner's model (also on GradingClient), each
  with `grader check`'s verdict on the file; `check_note` words that verdict for the top of the view.
- `progress_summary`, `review_outlook`: the progress dashboard and the review schedule;
  `duration_text`, `plural`, `code_spans`: numbers as people say them, code marked in plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course.progress import ProgressStore
from grader.course.workspace import default_file, init_workspace  # noqa: F401  (re-exported)
from grader.errors import UsageError
from grader.report import Report
from grader.watching import FileWatcher  # noqa: F401  (re-exported)
from grader.wording import code_spans, duration_text, plural  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    from grader.course.content import Course
    from grader.course.review import Outlook


@dataclass(frozen=True)
class ExerciseInfo:
    id: str
    title: str
    summary: str
    status: str  # new | passed | fail | not-started


def exercise_ids() -> list[str]:
    """Every exercise id, in curriculum order (exercise1 ... exercise14)."""
    from grader.course.registry import exercise_ids as ids

    return ids()


def resolve_exercise(name: str) -> str:
    """'3', 'exercise3' or 'Exercise3' -> 'exercise3'; anything else raises UsageError naming the valid ids."""
    from grader.course.registry import resolve

    return resolve(name)


def list_exercises(store: ProgressStore | None = None) -> list[ExerciseInfo]:
    """Every exercise whose YAML loads (the others are in `catalogue_problems()`), in curriculum order."""
    from grader.course.content import ContentError, load_exercise_meta

    infos = []
    for ex_id in exercise_ids():
        try:
            meta = load_exercise_meta(ex_id)
        except (KeyError, ContentError):
            continue
        status = store.exercise_status(ex_id) if store else "new"
        infos.append(ExerciseInfo(ex_id, meta.title, meta.summary, status))
    return infos


def catalogue_problems() -> list[str]:
    """What keeps an exercise of a course pack from being listed or graded, one `file:line: message`
    line each: an id two packs declare, a pack refused as unsafe, a missing or invalid YAML or stub.
    Empty when every pack is sound; the other exercises work either way."""
    from grader.course.content import ContentError, load_exercise_meta
    from grader.course.registry import problems

    found = problems()
    for ex_id in exercise_ids():
        try:
            load_exercise_meta(ex_id)
        except ContentError as err:
            found += map(str, err.problems)
        except KeyError:
            pass  # a missing YAML is among the registry's problems
    return found


def check(exercise: str, file: str | Path | None = None, *, device: str = "cpu",
          store: ProgressStore | None = None) -> Report:
    """Grade one submission. The verdict is computed here; the learner's code runs in a child process.

    Records the result in `store` when one is given. Raises UsageError for an unknown exercise,
    a missing file or an unavailable device.
    """
    from grader.grading import grade_files

    return grade_files(resolve_exercise(exercise), [file], device=device, store=store)[0]


def next_hint(exercise: str, store: ProgressStore) -> tuple[int, int, str]:
    """Reveal the next hint: (number shown, number available, text of the newest one)."""
    from grader.course.content import load_exercise_meta

    ex_id = resolve_exercise(exercise)
    hints = load_exercise_meta(ex_id).hints
    if not hints:
        raise UsageError(f"{ex_id} has no hints")
    shown = store.next_hint_index(ex_id, len(hints))
    return shown, len(hints), hints[shown - 1]


def trace(exercise: str, file: str | Path | None = None, *, batch: int | None = None) -> dict:
    """The pipeline trace of the learner's forward beside the reference's (see grader.modes.trace.trace_file),
    with `grader check`'s verdict on the file under "check" (see grader.modes.verdict)."""
    from grader.grading import Grader
    from grader.judging.prepare import reference_cache
    from grader.modes.verdict import checked

    exercise_id = resolve_exercise(exercise)
    with Grader(jobs=1, cache=reference_cache()) as grader:  # its zygote imports torch while this process does
        from grader.modes.trace import trace_file

        return checked(grader, exercise_id, file, lambda zygote: trace_file(exercise_id, file, batch, zygote=zygote))


def train(exercise: str, file: str | Path | None = None, *, epochs: int = 5, seed: int = 0, lr: float = 1e-3,
          optimizer: str = "adam", on_epoch: Callable[[dict], None] | None = None) -> dict:
    """Train the learner's digit classifier on real digits (see grader.modes.train.train_file), with
    `grader check`'s verdict on the file under "check"."""
    from grader.grading import Grader
    from grader.isolation.training import Settings
    from grader.judging.prepare import reference_cache
    from grader.modes.train import check_trainable, train_file, validate
    from grader.modes.verdict import checked

    exercise_id = check_trainable(exercise)
    settings = Settings(epochs=epochs, seed=seed, lr=lr, optimizer=optimizer)
    validate(settings)
    with Grader(jobs=1, cache=reference_cache()) as grader:  # its zygote imports torch while this process does
        return checked(grader, exercise_id, file,
                       lambda zygote: train_file(exercise_id, file, settings, zygote=zygote, on_epoch=on_epoch))


def check_note(check: dict | None, mode: str) -> str | None:
    """What the top of a trace ("trace") or training ("train") view says when the file fails `grader check`:
    the `"check"` of a trace or train result, turned into a sentence and a lesson (see grader.modes.verdict)."""
    from grader.modes.verdict import check_note as note

    return note(check, mode)


def progress_summary(store: ProgressStore, course: Course | None = None, today: date | None = None) -> dict:
    """The progress dashboard's numbers (see grader.course.dashboard.summary); `course` defaults to the shipped one."""
    from grader.course.content import load_course
    from grader.course.dashboard import summary

    return summary(course if course is not None else load_course(), store, today)


def trainable_exercises() -> tuple[str, ...]:
    """The exercises `train` works for: the digit classifiers."""
    from grader.modes.train import TRAINABLE

    return TRAINABLE


def review_outlook(store: ProgressStore, today: date | None = None) -> Outlook:
    """The review schedule today: due items (oldest first), how many wait for later, how many are retired."""
    from grader.course.review import outlook

    return outlook(store, today)


class GradingClient:
    """A warm grading worker (`python -m grader serve`) driven over pipes; torch lives only there.

    The first `check` pays for starting the worker (about one torch import); later checks reuse it.
    Thread-safe: one check at a time. `close()` (or the context manager) stops the worker.
    """

    def __init__(self, store_path: str | Path | None = None) -> None:
        from grader.service import ServiceClient

        self._client = ServiceClient(store_path)

    def warm_up(self) -> None:
        """Start the worker and load torch now, so that the first check is fast."""
        self._client.warm_up()

    def check(self, exercise: str, file: str | Path | None = None, *, device: str = "cpu") -> Report:
        return self._client.check(resolve_exercise(exercise), file, device)

    def trace(self, exercise: str, file: str | Path | None = None, *, batch: int | None = None) -> dict:
        """Like `grader.api.trace`, in the worker."""
        return self._client.run_mode({"op": "trace", "exercise": resolve_exercise(exercise),
                                      "file": str(file) if file else None, "batch": batch})

    def train(self, exercise: str, file: str | Path | None = None, *, epochs: int = 5, seed: int = 0,
              on_epoch: Callable[[dict], None] | None = None) -> dict:
        """Like `grader.api.train`, in the worker; `on_epoch` gets each epoch's row as it ends."""
        return self._client.run_mode({"op": "train", "exercise": resolve_exercise(exercise),
                                      "file": str(file) if file else None,
                                      "settings": {"epochs": epochs, "seed": seed}}, on_epoch)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GradingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
