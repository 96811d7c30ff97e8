"""TrainScreen: the training trace — train the learner's digit classifier and watch loss and accuracy live.

Training runs in a thread worker through the app's GradingClient; each epoch's row arrives as soon as
it ends and goes to the plot (textual-plotext), the table and the progress bar.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, ProgressBar, Select, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from grader.api import default_file, trainable_exercises
from tui.paths import short_path
from tui.screens.lab_screen import LabScreen
from tui.widgets.grading_status import GradingStatus

MAX_EPOCHS = 20


class TrainScreen(LabScreen):
    """t trains (again); + and - change the epochs, d draws a new seed (new starting weights and order)."""

    BINDINGS = [
        Binding("t", "train", "Train", id="train.run", tooltip="Train your model now"),
        Binding("plus,equals_sign", "epochs(1)", "More epochs", id="train.more", tooltip="One more epoch next time"),
        Binding("minus", "epochs(-1)", "Fewer epochs", id="train.fewer", tooltip="One epoch fewer next time"),
        Binding("d", "reseed", "New seed", id="train.seed", tooltip="Other starting weights and shuffling"),
    ]

    def __init__(self, exercise_id: str) -> None:
        super().__init__(activity_item=f"train:{exercise_id}")
        self.exercise_id = exercise_id if exercise_id in trainable_exercises() else trainable_exercises()[0]
        self.epochs, self.seed = 5, 0
        self.history: list[dict] = []
        self.running = False

    @property
    def file(self) -> Path:
        return Path(default_file(self.exercise_id))

    def compose(self) -> ComposeResult:
        self.sub_title = "Training trace"
        titles = {e.id: e.title for e in self.lab.course.exercises.values()}
        choices = [(f"{i.removeprefix('exercise')}. {titles.get(i, i)}", i) for i in trainable_exercises()]
        yield Header()
        with Horizontal(id="train-bar"):
            yield Select(choices, value=self.exercise_id, allow_blank=False, id="train-exercise")
            yield Static(id="train-settings")
        yield GradingStatus(id="train-status")
        yield ProgressBar(total=self.epochs, show_eta=False, id="train-progress")
        with Vertical(id="train-main"):
            plot = PlotextPlot(id="train-plot")
            plot.border_title = "Loss and held-out accuracy per epoch"
            yield plot
            table = DataTable(id="train-table", cursor_type="none", zebra_stripes=True)
            table.border_title = "Epoch by epoch"
            yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("epoch", "loss ↓", "train acc.", "held-out ↑", "observation")
        self._show_settings()
        self._plot()
        self.query_one(GradingStatus).idle("press t to train your model on 4,000 real digits")

    def _show_settings(self) -> None:
        self.query_one("#train-settings", Static).update(Text.assemble(
            ("Your file: ", "bold"), short_path(self.file), f" · {self.epochs} epochs · seed {self.seed}",
            " · adam, batch 64", ("  (+/- epochs, d new seed)", "dim")))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.running if action in ("train", "epochs", "reseed") else True

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.exercise_id:
            self.exercise_id = event.value
            self._show_settings()

    def action_epochs(self, step: int) -> None:
        self.epochs = min(MAX_EPOCHS, max(1, self.epochs + step))
        self._show_settings()

    def action_reseed(self) -> None:
        self.seed += 1
        self._show_settings()

    def action_train(self) -> None:
        self.running = True
        self.history = []
        self.query_one(DataTable).clear()
        self.query_one(ProgressBar).update(total=self.epochs, progress=0)
        self._plot()
        self.refresh_bindings()
        self._train(self.exercise_id, self.file, self.epochs, self.seed)

    @work(thread=True, exclusive=True, group="train")
    def _train(self, exercise_id: str, file: Path, epochs: int, seed: int) -> None:
        worker = get_current_worker()
        status = self.query_one(GradingStatus)
        self.app.call_from_thread(status.busy, "loading torch… (first run only)" if not self.lab.grader_warm
                                  else f"training {file.name} for {epochs} epochs…")
        try:
            client = self.lab.grader()
            self.app.call_from_thread(status.busy, f"training {file.name} for {epochs} epochs…")
            result = client.train(exercise_id, file, epochs=epochs, seed=seed,
                                  on_epoch=lambda row: self.app.call_from_thread(self.add_epoch, row))
        except Exception as err:  # a missing file or a dead worker: say so, keep the screen
            result = {"status": "error", "error": str(err), "history": None}
        if not worker.is_cancelled:
            self.app.call_from_thread(self.finish, result)

    def add_epoch(self, row: dict) -> None:
        """One epoch's row, as it arrives (a restarted worker starts again from epoch 1)."""
        if row["epoch"] <= len(self.history):
            self._truncate(row["epoch"] - 1)
        self.history.append(row)
        self.query_one(DataTable).add_row(
            str(row["epoch"]), f"{row['loss']:.3f}", f"{row['train_accuracy']:.1%}", f"{row['accuracy']:.1%}",
            Text(row["observation"], style="dim"))
        self.query_one(ProgressBar).update(progress=len(self.history))
        self._plot()

    def _truncate(self, keep: int) -> None:
        self.history = self.history[:keep]
        table = self.query_one(DataTable)
        for key in list(table.rows)[keep:]:
            table.remove_row(key)

    def finish(self, result: dict) -> None:
        self.running = False
        if result["history"] is not None and len(result["history"]) != len(self.history):
            self._truncate(0)
            for row in result["history"]:
                self.add_epoch(row)
        status = self.query_one(GradingStatus)
        if result["status"] == "ok":
            status.idle(f"✔ {result['accuracy']:.1%} of the held-out digits right after {len(self.history)} epochs "
                        "· t: train again")
        else:
            status.idle(f"✘ training stopped: {result['error']}")
            self.notify(result["error"], title="Training stopped", severity="error", timeout=15)
        self.refresh_bindings()

    def _plot(self) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.xlabel("epoch")
        plt.xlim(0.8, max(self.epochs, len(self.history)) + 0.2)
        plt.xticks(list(range(1, max(self.epochs, len(self.history)) + 1)))
        plt.ylim(0, 1, yside="right")
        plt.ylabel("loss", yside="left")
        plt.ylabel("held-out accuracy", yside="right")
        if self.history:
            epochs = [r["epoch"] for r in self.history]
            plt.plot(epochs, [r["loss"] for r in self.history], label="loss", color="red", marker="hd")
            plt.plot(epochs, [r["accuracy"] for r in self.history], label="accuracy", color="green", marker="hd",
                     yside="right")
        plot.refresh()
