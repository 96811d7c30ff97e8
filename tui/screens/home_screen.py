"""HomeScreen: the course outline, the learner's standing, what to do next, and the practice modes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, OptionList

from grader.course.outline import OutlineItem, build_outline, next_item, standing
from tui.screens.lab_screen import LabScreen
from tui.screens.review_screen import due_keys
from tui.widgets.course_outline import CourseOutline
from tui.widgets.lab_footer import LabFooter
from tui.widgets.mode_menu import ModeMenu
from tui.widgets.progress_panel import ProgressPanel


class HomeScreen(LabScreen):
    """The bottom of the screen stack: everything else opens on top of it and returns here."""

    BINDINGS = [
        Binding("n", "next", "Up next", id="home.next", tooltip="Open the first item you have not finished"),
        Binding("q", "app.quit", "Quit", id="home.quit", tooltip="Leave Forward Lab (progress is saved)"),
        # The Practice panel lists these keys, so the footer leaves them out and fits in 80 columns.
        Binding("r", "mode('review')", "Review", show=False, id="home.review",
                tooltip="What you got wrong, due again today"),
        Binding("t", "mode('trace')", "Trace", show=False, id="home.trace",
                tooltip="Pipeline trace: your forward stage by stage (the highlighted exercise, else exercise 2)"),
        Binding("l", "mode('train')", "Train", show=False, id="home.train",
                tooltip="Training trace: train your digit classifier and watch loss and accuracy"),
        Binding("s", "mode('spotter')", "Spotter", show=False, id="home.spotter",
                tooltip="Pitfall spotter: find the buggy line"),
        Binding("p", "mode('progress')", "Progress", show=False, id="home.progress", tooltip="Your progress dashboard"),
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
            with Vertical(id="home-side"):
                panel = ProgressPanel(self.lab.problems, id="progress-panel")
                panel.border_title = "Your progress"
                yield panel
                modes = ModeMenu(id="mode-menu")
                modes.border_title = "Practice"
                yield modes
        yield LabFooter()

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
        self.query_one(ModeMenu).show(len(due_keys(self.lab.course, self.lab.store)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing is below home: no "Back" here (q quits).
        return action != "back"

    def action_next(self) -> None:
        if self._up_next is None:
            self.notify("You have finished every item. Pick any of them to revisit.")
            return
        self.lab.open_item(self._up_next.kind, self._up_next.id)

    def action_mode(self, mode: str) -> None:
        # trace and train work on the highlighted exercise, if one is
        highlighted = self.query_one(CourseOutline).highlighted_option
        kind, _, item_id = (highlighted.id or "").partition(":") if highlighted else ("", "", "")
        self.lab.open_mode(mode, item_id if kind == "exercise" else None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind, _, item_id = (event.option.id or "").partition(":")
        if kind == "mode":
            self.action_mode(item_id)
        else:
            self.lab.open_item(kind, item_id)
