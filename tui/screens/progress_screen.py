"""ProgressScreen: the progress dashboard — lessons, quizzes, exercises, quiz accuracy over time, time spent.

The numbers are `grader progress`'s (grader.api.progress_summary), so both always agree.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Static
from textual_plotext import PlotextPlot

from grader.api import duration_text as duration
from grader.api import plural, progress_summary
from tui.screens.lab_screen import LabScreen
from tui.widgets.lab_footer import LabFooter

STATE_STYLES = {"done": "green", "passed": "green", "started": "yellow", "failed": "red", "fail": "red",
                "not-started": "yellow", "new": "dim"}


class ProgressScreen(LabScreen):
    """Read-only; r refreshes it (e.g. after a check in another terminal)."""

    BINDINGS = [Binding("r", "refresh_data", "Refresh", id="progress.refresh", tooltip="Read your progress again")]

    def __init__(self) -> None:
        super().__init__(activity_item=None)

    def compose(self) -> ComposeResult:
        self.sub_title = "Your progress"
        yield Header()
        yield Static(id="dashboard-summary")
        with VerticalScroll(id="dashboard"):
            with Horizontal(id="dashboard-top"):
                plot = PlotextPlot(id="accuracy-plot")
                plot.border_title = "Quiz accuracy over time (first tries)"
                yield plot
                yield Static(id="dashboard-time")
            for name, title in (("lessons", "Lessons"), ("quizzes", "Quizzes"), ("exercises", "Exercises")):
                table = Static(id=f"{name}-table", classes="dashboard-table")
                table.border_title = title
                yield table
        yield LabFooter()

    def on_mount(self) -> None:
        self.action_refresh_data()

    def action_refresh_data(self) -> None:
        self.data = progress_summary(self.lab.store, self.lab.course)
        self._summary(self.data)
        self._tables(self.data)
        self._accuracy(self.data["quiz_accuracy"])

    def _summary(self, data: dict) -> None:
        review = data["review"]
        self.query_one("#dashboard-summary", Static).update(Text.assemble(
            (f"{data['items_done']}/{data['items_total']}", "bold"), " items done · ",
            (f"{data['exercises_passed']}/{data['exercises_total']}", "bold"), " exercises passed · ",
            (duration(data["time_spent_s"]["total"]), "bold"), " spent · ",
            f"{data['streak_days']}-day streak · {plural(data['score'], 'first-try point')} · ",
            f"{data['fixed_on_retry']} fixed on retry · ",
            (f"{plural(review['due_today'], 'review')} due today", "bold yellow" if review["due_today"] else "green"),
        ))
        spent = {k: v for k, v in data["time_spent_s"].items() if k != "total"}
        answers = data["answers"]
        lines = ["Time spent", *(f"  {kind:<9} {duration(s)}" for kind, s in spent.items())] if spent \
            else ["No time recorded yet"]
        lines += ["", "Right / given: first try · retries",
                  *(f"  {kind:<9} {a['first_try']['right']}/{a['first_try']['answered']} · "
                    f"{a['retries']['right']}/{a['retries']['answered']}" for kind, a in answers.items())]
        next_due = f", next {review['next_due']}" if review["next_due"] else ""
        lines += ["", "Review", f"  {review['waiting']} waiting{next_due}", f"  {review['retired']} learnt for good"]
        self.query_one("#dashboard-time", Static).update("\n".join(lines))

    def _tables(self, data: dict) -> None:
        """Rich tables, so that long titles wrap instead of being cut on a narrow terminal."""
        tables = {
            "lessons": (("lesson", "sections read", "status"),
                        [(r["title"], f"{r['sections_read']}/{r['sections']}", r["state"]) for r in data["lessons"]]),
            "quizzes": (("quiz", "score", "status"), [(r["title"], r["score"], r["state"]) for r in data["quizzes"]]),
            "exercises": (("exercise", "best check", "checks run", "status"),
                          [(f"{r['id'].removeprefix('exercise')}. {r['title']}", r["best"] or "—", str(r["checks_run"]),
                            r["status"]) for r in data["exercises"]]),
        }
        for name, (columns, rows) in tables.items():
            table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
            table.add_column(columns[0], ratio=1)
            for column in columns[1:]:
                table.add_column(column, no_wrap=column != "score")  # "first try 3/12 · ..." may wrap
            for row in rows:
                table.add_row(*row[:-1], Text(row[-1], style=STATE_STYLES.get(row[-1], "")))
            self.query_one(f"#{name}-table", Static).update(table)

    def _accuracy(self, days: list[dict]) -> None:
        """Quiz accuracy per day as points on a line: one day is one point, not a bar the plot's width."""
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.ylim(0, 100)
        plt.yticks([0, 50, 100])
        plt.ylabel("% right")
        if days:
            x = [float(n) for n in range(1, len(days) + 1)]
            y = [round(d["accuracy"] * 100) for d in days]
            plt.xlim(0.5, len(days) + 0.5)
            plt.xticks(x, [d["day"][5:] for d in days])
            plt.plot(x, y, color="cyan", marker="hd")
            plt.scatter(x, y, color="cyan", marker="●")
        else:
            plt.title("answer some quiz questions to see this")
        plot.refresh()
