"""Training trace: train the learner's digit classifier on real MNIST digits and report every epoch.

`train_file` (the parent) starts the learner's model from the reference's seeded initial weights,
so that the curve depends only on the learner's forward and the seed; a child forked from the
zygote runs the training loop (grader.isolation.training) and writes one frame per epoch: mean training loss,
training accuracy, and accuracy on digits it never trains on. The parent only reads those numbers.
The child runs on one thread and shuffles with a seeded generator, so a seed gives one curve.

The digits: content/data/mnist_5k.npz (500 per class, see the README there); 400 of each class
train, the other 100 are held out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import UsageError
from grader.isolation.protocol import Limits
from grader.report import printable_tree

if TYPE_CHECKING:
    import torch

    from grader.isolation.training import Settings

TRAINABLE = ("exercise2", "exercise3")  # the models that classify 28x28 digits into 10 classes
TRAIN_PER_CLASS = 400
MAX_EPOCHS = 50
OPTIMIZERS = ("adam", "sgd")


def validate(settings: Settings) -> None:
    """A UsageError naming the valid range for the first setting out of it."""
    if not 1 <= settings.epochs <= MAX_EPOCHS:
        raise UsageError(f"--epochs must be 1-{MAX_EPOCHS}, got {settings.epochs}")
    if not 0 < settings.lr <= 10:
        raise UsageError(f"--lr must be more than 0 and at most 10, got {settings.lr}")
    if settings.optimizer not in OPTIMIZERS:
        raise UsageError(f"unknown optimizer {settings.optimizer!r}; valid: {', '.join(OPTIMIZERS)}")


# --- the digits ----------------------------------------------------------------------------------

def digits_path() -> Path:
    from importlib.resources import files

    return Path(str(files("forwardlab_content"))) / "data" / "mnist_5k.npz"


def load_digits() -> dict[str, torch.Tensor]:
    """{"train_images", "train_labels", "test_images", "test_labels"}: uint8 images [N, 28, 28], int64 labels.

    The held-out digits are interleaved by class (0, 1, ..., 9, 0, 1, ...), so any prefix of them is
    a batch with every digit in it.
    """
    import numpy as np
    import torch

    with np.load(digits_path()) as data:
        images, labels = torch.from_numpy(data["images"]), torch.from_numpy(data["labels"]).long()
    by_class = [torch.nonzero(labels == c).flatten() for c in range(10)]
    train = torch.cat([idx[:TRAIN_PER_CLASS] for idx in by_class])
    test = torch.stack([idx[TRAIN_PER_CLASS:] for idx in by_class], dim=1).flatten()
    return {"train_images": images[train], "train_labels": labels[train],
            "test_images": images[test], "test_labels": labels[test]}


def held_out_batch(size: int) -> torch.Tensor:
    """The first `size` held-out digits, as model input (for the pipeline trace)."""
    from grader.isolation.training import as_input

    test = load_digits()["test_images"]
    if not 1 <= size <= len(test):
        raise UsageError(f"--batch must be 1-{len(test)} for the digit exercises, got {size}")
    return as_input(test[:size])


# --- the parent --------------------------------------------------------------------------------------

def check_trainable(exercise_id: str) -> str:
    """The resolved id, or a UsageError naming the exercises that can be trained."""
    from grader.course.registry import resolve

    resolved = resolve(exercise_id)
    if resolved not in TRAINABLE:
        raise UsageError(f"{resolved} is not a digit classifier; `train` works for: {', '.join(TRAINABLE)}")
    return resolved


def train_file(exercise: str, file: str | Path | None, settings: Settings | None = None, *,
               zygote=None, on_epoch: Callable[[dict], None] | None = None) -> dict:
    """Train the learner's model; the result as `grader train --json` prints it.

    {"exercise", "file", "status": "ok" | "error" | "not-started", "settings", "train_size", "test_size",
     "history": [{"epoch", "loss", "train_accuracy", "accuracy", "seconds", "observation"}],
     "accuracy" (held-out, last epoch, or null), "error" (null or a message)}
    """
    import torch

    from grader.course import registry
    from grader.grading import submission_paths
    from grader.judging.prepare import case_seed
    from grader.modes.run import plan_for, run_plan

    exercise_id = check_trainable(exercise)
    from grader.isolation.training import Settings  # torch: not at import time (every --help imports us)

    settings = settings or Settings()
    validate(settings)
    (path, label), = submission_paths(exercise_id, [file])
    ex = registry.load(exercise_id)
    torch.manual_seed(case_seed(f"train/{settings.seed}"))
    state = ex.learner_state(ex.reference(ex.configs[0]))
    data = load_digits()
    plan = plan_for(ex, state, "train", {"settings": asdict(settings), **data})
    history: list[dict] = []

    def on_frame(frame: dict) -> None:
        row = _epoch_row(frame, history[-1] if history else None) if frame.get("kind") == "epoch" else None
        if row is not None:
            history.append(row)
            if on_epoch:
                on_epoch(row)

    frames, problem = run_plan(plan, path, _limits(settings), zygote, on_frame)
    failed = next((f for f in frames if f.get("kind") == "train-error"), None)
    error = _error_text(failed) if failed else (problem if len(history) < settings.epochs else None)
    status = "not-started" if failed and failed["error"]["type"] == "NotImplementedError" else \
        "error" if error else "ok"
    return printable_tree({"exercise": exercise_id, "file": label, "status": status, "settings": asdict(settings),
                           "train_size": len(data["train_labels"]), "test_size": len(data["test_labels"]),
                           "history": history, "accuracy": history[-1]["accuracy"] if history else None,
                           "error": error})


def _limits(settings: Settings) -> Limits:
    # a correct CNN takes about a second per epoch on one core; leave room for slower hardware
    return Limits(wall_s=30.0 + 20.0 * settings.epochs, cpu_s=60.0 + 40.0 * settings.epochs, memory_mb=3072)


def _epoch_row(frame: dict, previous: dict | None) -> dict | None:
    """An epoch frame as a row of numbers, or None if it is not one (the child is not trusted)."""
    try:
        row = {k: round(float(frame[k]), 4) for k in ("loss", "train_accuracy", "accuracy", "seconds")}
        epoch = int(frame["epoch"])
    except (KeyError, TypeError, ValueError):
        return None
    return {"epoch": epoch, **row, "observation": observation(row, previous)}


def observation(row: dict, previous: dict | None) -> str:
    """One sentence on what the epoch shows, from the actual comparison with the epoch before."""
    if previous is None:
        return ("first pass over the data: the model starts to learn" if row["accuracy"] > 0.2
                else "first pass over the data: barely better than guessing (10%)")
    if row["accuracy"] < 0.2:
        return "still guessing: the model is not learning (does forward keep each sample's pixels together?)"
    if row["loss"] > previous["loss"] * 1.02:
        return "the loss went up: the learning rate may be too high"
    if row["train_accuracy"] - row["accuracy"] > 0.08 and row["accuracy"] < previous["accuracy"]:
        return "training accuracy rises while held-out accuracy falls: it starts to memorise (overfit)"
    if row["loss"] > previous["loss"] * 0.97:
        return "the loss barely moves: training is converging (or stuck)"
    change = round(row["accuracy"] - previous["accuracy"], 3)
    trend = "up" if change > 0 else "down" if change < 0 else "unchanged"
    return f"loss down, accuracy {trend}: {row['accuracy']:.0%} of unseen digits right"


def _error_text(frame: dict) -> str:
    """When training failed, and why: a TrainingError is the grader's own plain-words message."""
    error = frame["error"]
    when = f"epoch {frame['epoch']}" if frame["epoch"] else "before training"
    from grader.isolation.plain import error_text

    return f"{when}: {error['message'] if error['type'] == 'TrainingError' else error_text(error)}"
