"""TrainScreen: the training trace — train the learner's digit classifier and watch loss and accuracy live.

Training runs in a thread worker through the app's GradingClient; each epoch's row arrives as soon as
it ends and goes to the plot (textual-plotext), the table and the progress bar. A file that fails
`grader check` is said to fail at the top, however well it trains: accuracy is not correctness.
"""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, ProgressBar, Select, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from grader.api import check_note, default_file, plural, trainable_exercises
from tui.paths import short_path
from tui.screens.lab_screen import LabScreen
from tui.widgets.grading_status import GradingStatus
from tui.widgets.lab_footer import LabFooter
from tui.widgets.prose import inline

MAX_EPOCHS = 20
# The plot's legend lives in its border title: plotext's own legend sits on top of the curves.
LEGEND = "[b][red]━ loss[/red] and [green]━ held-out accuracy[/green][/b] per epoch"
NOT_STARTED = "○ Not started: forward still raises NotImplementedError. Write it, save, then press t to train."


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
            yield Select(choices, value=self.exercise_id, allow_blank=False, compact=True, id="train-exercise")
            yield Static(id="train-settings")
        yield Static(id="train-check", classes="check-note")
        yield GradingStatus(id="train-status")
        yield ProgressBar(total=self.epochs, show_eta=False, id="train-progress")
        with Vertical(id="train-main"):
            plot = PlotextPlot(id="train-plot")
            plot.border_title = LEGEND
            yield plot
            with VerticalScroll(id="train-table") as table:
                table.border_title = "Epoch by epoch"
                yield Static(id="train-rows")
        yield LabFooter()

    def on_mount(self) -> None:
        self._show_settings()
        self._show_rows()
        self._plot()
        self.query_one(GradingStatus).idle("press t to train your model on 4,000 real digits")

    def _show_settings(self) -> None:
        self.query_one("#train-settings", Static).update(Text.assemble(
            (short_path(self.file), "bold"), f" · {plural(self.epochs, 'epoch')} · seed {self.seed}",
            (" · adam, batch 64", "dim")))

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
        self.query_one("#train-check").display = False
        self.query_one(ProgressBar).update(total=self.epochs, progress=0)
        self._show_rows()
        self._plot()
        self.refresh_bindings()
        self._train(self.exercise_id, self.file, self.epochs, self.seed)

    @work(thread=True, exclusive=True, group="train")
    def _train(self, exercise_id: str, file: Path, epochs: int, seed: int) -> None:
        worker = get_current_worker()
        status = self.query_one(GradingStatus)
        what = f"checking {file.name}, then training it for {plural(epochs, 'epoch')}…"
        self.app.call_from_thread(status.busy, "loading torch… (first run only)" if not self.lab.grader_warm else what)
        try:
            client = self.lab.grader()
            self.app.call_from_thread(status.busy, what)
            result = client.train(exercise_id, file, epochs=epochs, seed=seed,
                                  on_epoch=lambda row: self.app.call_from_thread(self.add_epoch, row))
        except Exception as err:  # noqa: BLE001 - a missing file or a dead worker: say so, keep the screen
            result = {"status": "error", "error": str(err), "history": None}
        if not worker.is_cancelled:
            self.app.call_from_thread(self.finish, result)

    def add_epoch(self, row: dict) -> None:
        """One epoch's row, as it arrives (a restarted worker starts again from epoch 1)."""
        self.history = [*self.history[:row["epoch"] - 1], row]
        self.query_one(ProgressBar).update(progress=len(self.history))
        self.query_one(GradingStatus).busy(f"training: epoch {row['epoch']} of {self.epochs} done…")
        self._show_rows()
        self._plot()

    def finish(self, result: dict) -> None:
        self.running = False
        if result["history"] is not None and result["history"] != self.history:
            self.history = list(result["history"])
            self._show_rows()
            self._plot()
        note = check_note(result.get("check"), "train")
        banner = self.query_one("#train-check", Static)
        banner.display = note is not None
        banner.update(inline("✘ " + note) if note else "")
        status = self.query_one(GradingStatus)
        if result["status"] == "ok":
            right = f"{result['accuracy']:.1%} of held-out digits right"
            status.idle(f"● {right}, yet the file fails its checks" if note else
                        f"✔ {right} after {plural(len(self.history), 'epoch')} · t: train again")
        elif result["status"] == "not-started":
            status.idle(NOT_STARTED)
        else:
            status.idle(f"✘ training stopped: {result['error']}")
            self.notify(result["error"], title="Training stopped", severity="error", timeout=15)
        self.refresh_bindings()

    def _show_rows(self) -> None:
        """The epoch table: a rich Table, so that the observations wrap to any width."""
        table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
        for column in ("epoch", "loss ↓", "train acc.", "held-out ↑"):
            table.add_column(column, justify="right", no_wrap=True)
        table.add_column("observation", ratio=1)
        for row in self.history:
            table.add_row(str(row["epoch"]), f"{row['loss']:.3f}", f"{row['train_accuracy']:.1%}",
                          f"{row['accuracy']:.1%}", Text(row["observation"], style="dim"))
        self.query_one("#train-rows", Static).update(table if self.history else Text("no epochs yet", style="dim"))
        self.query_one("#train-table", VerticalScroll).scroll_end(animate=False)  # the newest epoch in view

    def _plot(self) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        last = max(self.epochs, len(self.history))
        plt.xlabel("epoch")
        plt.xlim(0.5, last + 0.5)
        plt.xticks(list(range(1, last + 1)))
        plt.ylim(0, 1, yside="right")
        plt.ylabel("loss", yside="left")
        plt.ylabel("held-out accuracy", yside="right")
        if self.history:
            epochs = [r["epoch"] for r in self.history]
            for values, color, side in (([r["loss"] for r in self.history], "red", "left"),
                                        ([r["accuracy"] for r in self.history], "green", "right")):
                plt.plot(epochs, values, color=color, marker="hd", yside=side)
                plt.scatter(epochs, values, color=color, marker="●", yside=side)  # every epoch shows, even the first
        plot.refresh()
