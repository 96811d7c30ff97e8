"""HomeScreen: the course outline, the learner's standing and what to do next."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, OptionList

from tui.outline import OutlineItem, build_outline, next_item, standing
from tui.screens.lab_screen import LabScreen
from tui.widgets.course_outline import CourseOutline
from tui.widgets.progress_panel import ProgressPanel


class HomeScreen(LabScreen):
    """The bottom of the screen stack: everything else opens on top of it and returns here."""

    BINDINGS = [
        Binding("n", "next", "Up next", id="home.next", tooltip="Open the first item you have not finished"),
        Binding("q", "app.quit", "Quit", id="home.quit", tooltip="Leave Forward Lab (progress is saved)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._up_next: OutlineItem | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home"):
            outline = CourseOutline(id="outline")
            outline.border_title = "Course"
            outline.border_subtitle = "↑↓ move · Enter open"
            yield outline
            panel = ProgressPanel(self.lab.course.problems, id="progress-panel")
            panel.border_title = "Your progress"
            yield panel
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_progress()

    def on_screen_resume(self) -> None:
        # Coming back from a lesson, quiz or exercise: statuses may have changed.
        self.refresh_progress()

    def refresh_progress(self) -> None:
        outline = build_outline(self.lab.course, self.lab.store)
        self._up_next = next_item(outline)
        self.query_one(CourseOutline).show(outline, default=self._up_next)
        self.query_one(ProgressPanel).show(standing(outline, self.lab.store), self._up_next)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing is below home: no "Back" here (q quits).
        return action != "back"

    def action_next(self) -> None:
        if self._up_next is None:
            self.notify("You have finished every item. Pick any of them to revisit.")
            return
        self.lab.open_item(self._up_next.kind, self._up_next.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind, _, item_id = (event.option.id or "").partition(":")
        self.lab.open_item(kind, item_id)
