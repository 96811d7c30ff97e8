"""`grader train EXERCISE [FILE] [--epochs 5] [--seed 0] [--json]`: train your digit classifier on real MNIST digits."""

from __future__ import annotations

import argparse
import json

from grader.commands.common import add_exercise
from grader.wording import plural

NOT_STARTED = ("○ Not started: forward still raises `NotImplementedError`. Write it, then train again "
               "(`grader check` tells you when it is right).")


def register(sub: argparse._SubParsersAction) -> None:
    # no torch here: every command's --help builds this parser (run fills in Settings' own defaults)
    from grader.modes.train import MAX_EPOCHS, OPTIMIZERS, TRAINABLE

    p = sub.add_parser("train", help="train your digit classifier and watch loss and accuracy per epoch",
                       description=f"Train your model ({', '.join(TRAINABLE)}) on 4,000 real handwritten digits and "
                                   "measure its accuracy on 1,000 it never sees in training, epoch by epoch. "
                                   "It starts from the same weights as the reference; a seed gives one curve. "
                                   "Exit code 0 when training ran to the end, 1 when your model could not be trained.")
    add_exercise(p)
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="your .py file or notebook (.ipynb) (default: the workspace's exercises/EXERCISE.py)")
    p.add_argument("--epochs", type=int, metavar="N", help=f"passes over the data, 1-{MAX_EPOCHS} (default: 5)")
    p.add_argument("--seed", type=int, help="seed of the starting weights and the shuffling (default: 0)")
    p.add_argument("--lr", type=float, help="learning rate (default: 0.001)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, help="adam, or sgd with momentum 0.9 (default: adam)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (the progress bar stays on stderr)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.api import train
    from grader.grading import submission_paths
    from grader.isolation.training import Settings
    from grader.modes.train import check_trainable, validate

    given = {"epochs": args.epochs, "seed": args.seed, "lr": args.lr, "optimizer": args.optimizer}
    settings = Settings(**{name: value for name, value in given.items() if value is not None})
    validate(settings)
    submission_paths(check_trainable(args.exercise), [args.file])  # usage errors before anything starts
    bar = EpochBar(settings.epochs)
    try:
        result = train(args.exercise, args.file, epochs=settings.epochs, seed=settings.seed, lr=settings.lr,
                       optimizer=settings.optimizer, on_epoch=bar.advance)
    finally:
        bar.close()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        from rich.console import Console

        Console().print(train_view(result))
    return 0 if result["status"] == "ok" else 1


class EpochBar:
    """Epochs done, on stderr (transient): the loss of the last one beside the bar."""

    def __init__(self, epochs: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(), TextColumn("epochs"),
                             TextColumn("{task.fields[last]}"), TimeElapsedColumn(),
                             console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("train", total=epochs, last="")
        self._bar.start()

    def advance(self, row: dict) -> None:
        self._bar.update(self._task, advance=1, last=f"loss {row['loss']:.3f} · accuracy {row['accuracy']:.1%}")

    def close(self) -> None:
        self._bar.stop()


def train_view(result: dict):
    """The check's verdict when it fails, the seed's training table (epoch, loss, accuracy, observation),
    a loss chart, and a verdict."""
    from rich.console import Group, RenderableType
    from rich.table import Table
    from rich.text import Text

    from grader.modes.verdict import check_note
    from grader.output.text import prose

    s = result["settings"]
    note = check_note(result.get("check"), "train")
    parts: list[RenderableType] = [prose("✗ " + note, "bold yellow")] if note else []
    if result["status"] == "not-started":
        return Group(*parts, prose(NOT_STARTED, "bold yellow"))
    table = Table(title=f"{result['exercise']} · {result['file']} · {result['train_size']} training digits, "
                        f"{result['test_size']} held out · {s['optimizer']} lr {s['lr']:g}, batch {s['batch']}, seed "
                        f"{s['seed']}",
                  title_justify="left", header_style="bold")
    for column in ("epoch", "loss ↓", "train acc.", "held-out acc. ↑", "observation"):
        table.add_column(column, justify="right" if column != "observation" else "left")
    for row in result["history"]:
        table.add_row(str(row["epoch"]), f"{row['loss']:.3f}", f"{row['train_accuracy']:.1%}",
                      f"{row['accuracy']:.1%}", Text(row["observation"], style="dim"))
    if result["history"]:
        parts += [table, Text(loss_chart([r["loss"] for r in result["history"]]))]
    if result["error"]:
        parts.append(prose(f"✗ training stopped: {result['error']}", "bold red"))
    else:
        mark, style = ("✓", "bold green") if not note else ("●", "bold yellow")
        epochs = plural(len(result["history"]), "epoch")
        parts.append(Text(f"{mark} {result['accuracy']:.1%} of the held-out digits right after {epochs}", style=style))
    return Group(*parts)


def loss_chart(losses: list[float], height: int = 6) -> str:
    """The loss per epoch as the seed draws it: one * per epoch, higher loss higher up."""
    top, bottom = max(losses), min(losses)
    span = (top - bottom) or 1.0
    levels = [round((top - loss) / span * (height - 1)) for loss in losses]
    step = len(str(len(losses))) + 1  # every epoch number has a space before it, however many digits
    lines = []
    for level in range(height):
        value = top - span * level / (height - 1)
        lines.append(f"{value:5.2f} |" + "".join(("*" if lv == level else " ").rjust(step) for lv in levels))
    lines.append("      +" + "-" * (step * len(losses)))
    lines.append("       " + "".join(str(i + 1).rjust(step) for i in range(len(losses))) + "  epochs")
    return "loss\n" + "\n".join(lines)
