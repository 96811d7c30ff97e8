"""TraceScreen: the pipeline trace of the learner's own forward, stage by stage, beside the reference's.

The trace runs in a thread worker through the app's GradingClient (torch lives in its worker
process); saving the file traces it again, like the exercise screen re-checks it. When the file fails
`grader check`, the top of the screen says so, whatever the trace shows. The columns that matter come
first (the ✔/✘ verdict, the stage, its shape, the reference's), so a narrow terminal cuts only the values.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Select, Static
from textual.worker import get_current_worker

from grader.api import check_note, default_file
from grader.course.registry import number, order
from tui.paths import short_path
from tui.save_watch import SaveWatch
from tui.screens.lab_screen import LabScreen
from tui.widgets.grading_status import GradingStatus
from tui.widgets.lab_footer import LabFooter
from tui.widgets.prose import Prose, inline

COLUMNS = ("#", "", "stage", "out", "reference", "in", "values (first item)", "range")
LEGEND = "✔ same as the reference · ✘ differs · · no counterpart"
MARKS = {True: ("✔", "green"), False: ("✘", "red"), None: ("·", "dim")}
VERDICTS = {"match": "**✔ Your output matches the reference's**, stage by stage.",
            "differs": "**✘ Your output differs from the reference's.**",
            "error": "**✘ Your forward did not run to the end.**",
            "not-started": "**○ Not started:** forward still raises `NotImplementedError`. "
                           "Write it, save, and the trace runs again."}


def exercise_choices(course) -> list[tuple[str, str]]:
    """(label, id) of every exercise, in course order."""
    exercises = sorted(course.exercises.values(), key=lambda e: order(e.id))  # a pack's own ids after the course's
    return [(e.title if number(e.id) is None else f"{number(e.id)}. {e.title}", e.id) for e in exercises]


class TraceScreen(LabScreen):
    """r runs the trace again; the exercise can be switched in the picker at the top."""

    BINDINGS = [
        Binding("r", "run", "Run again", id="trace.run", tooltip="Trace your file again"),
        Binding("x", "pick", "Exercise", id="trace.pick", tooltip="Pick another exercise to trace"),
    ]

    def __init__(self, exercise_id: str) -> None:
        super().__init__(activity_item=f"trace:{exercise_id}")
        self.exercise_id = exercise_id
        self._saves: SaveWatch | None = None

    @property
    def file(self) -> Path:
        return Path(default_file(self.exercise_id))

    def compose(self) -> ComposeResult:
        self.sub_title = "Pipeline trace"
        choices = exercise_choices(self.lab.course)
        if choices and self.exercise_id not in [i for _, i in choices]:
            self.exercise_id = choices[0][1]
        yield Header()
        with Horizontal(id="trace-bar"):
            yield Select(choices, value=self.exercise_id, allow_blank=False, compact=True, id="trace-exercise")
            yield Static(id="trace-file")
        yield Static(id="trace-check", classes="check-note")
        yield GradingStatus(id="trace-status")
        table = DataTable(id="trace-table", cursor_type="row", zebra_stripes=True)
        table.border_title = "Stages, in the order your forward runs them"
        table.border_subtitle = LEGEND
        yield table
        yield Prose(id="trace-verdict")
        yield LabFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self._saves = SaveWatch(self.app, self.action_run)  # every save traces again
        self._saves.follow(self.file)
        self.action_run()

    def on_unmount(self) -> None:
        if self._saves is not None:
            self._saves.stop()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value != self.exercise_id and isinstance(event.value, str):
            self.exercise_id = event.value
            if self._saves is not None:
                self._saves.follow(self.file)
            self.action_run()

    def action_pick(self) -> None:
        select = self.query_one(Select)
        select.focus()
        select.expanded = True

    def action_run(self) -> None:
        self.query_one("#trace-file", Static).update(Text.assemble(("Your file: ", "bold"), short_path(self.file)))
        self._trace(self.exercise_id, self.file)

    @work(thread=True, exclusive=True, group="trace")
    def _trace(self, exercise_id: str, file: Path) -> None:
        worker = get_current_worker()
        status = self.query_one(GradingStatus)
        self.app.call_from_thread(status.busy, "loading torch… (first run only)" if not self.lab.grader_warm
                                  else f"tracing {file.name}…")
        try:
            result = self.lab.grader().trace(exercise_id, file)
        except Exception as err:  # noqa: BLE001 - a missing file or a dead worker: say so, keep the screen
            if not worker.is_cancelled:
                self.app.call_from_thread(status.idle, f"could not trace: {err}")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show, result)

    def show(self, result: dict) -> None:
        """Fill the table from a trace result (grader.modes.trace.trace_file's dict)."""
        note = check_note(result.get("check"), "trace")
        banner = self.query_one("#trace-check", Static)
        banner.display = note is not None
        banner.update(inline("✘ " + note) if note else "")
        table = self.query_one(DataTable)
        table.clear()
        first = (result["first_divergence"] or {}).get("index")
        for row in result["stages"]:
            mark, color = MARKS[row["matches"]]
            style = "bold red" if row["index"] == first else ""
            ref = row["reference"]
            cells = (row["label"], row["out_shape"], f"{ref['label']} {ref['out_shape']}" if ref else "—",
                     row["in_shape"], _values(row["sample"]),
                     f"{row['min']:.2f} … {row['max']:.2f}" if row["min"] is not None else "")
            table.add_row(Text(str(row["index"]), style=style),
                          Text(mark + (" ◀" if row["index"] == first else ""), style=color),
                          *(Text(c, style=style) for c in cells), key=str(row["index"]))
        if first == len(result["stages"]) + 1:
            table.add_row(Text(str(first), style="bold red"), Text("✘ ◀", style="red"),
                          Text("raised", style="bold red"), Text(result["error"].split()[0], style="bold red"),
                          "", "", "", "")
        if first:
            table.move_cursor(row=first - 1)
        self.query_one("#trace-verdict", Prose).update(self._verdict(result))
        self.query_one(GradingStatus).idle(f"{result['inputs']} · r: run again · saving your file re-runs it")

    @staticmethod
    def _verdict(result: dict) -> str:
        if not result["stages"]:  # it did not even load
            return f"**✘ Your model could not be run:**\n\n```\n{result['error']}\n```"
        lines = [VERDICTS[result["status"]]]
        if result["first_divergence"]:
            lines.append(f"◀ {result['first_divergence']['message']}")
        elif result["error"] and result["status"] == "error":
            lines.append(result["error"])
        return "\n\n".join(lines)


def _values(sample: list[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in sample) + "]" if sample else ""
