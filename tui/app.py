"""The Forward Lab application: owns the progress store, the course and the warm grading client.

Nothing here imports torch: grading goes through `grader.api.GradingClient`, whose worker process is
the only place torch is loaded, and only when the learner first opens an exercise.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import Notify
from textual.screen import Screen

from grader.api import catalogue_problems
from grader.course.content import Problem, load_course
from grader.course.progress import ProgressStore
from tui.commands import CourseCommands
from tui.screens.exercise_screen import ExerciseScreen
from tui.screens.help_screen import HelpScreen
from tui.screens.home_screen import HomeScreen
from tui.screens.lesson_screen import LessonScreen
from tui.screens.quiz_screen import QuizScreen
from tui.widgets.lab_footer import NARROW

if TYPE_CHECKING:
    from grader.api import GradingClient


def _real_client(store_path: Path) -> GradingClient:
    # Imported here so that the TUI's startup does not even touch the grading service module.
    from grader.api import GradingClient

    return GradingClient(store_path)


MODE_COMMANDS = (
    ("review", "Review: what is due today", "Questions and exercises you got wrong, spaced out over days"),
    ("trace", "Pipeline trace", "Your forward on a real batch, stage by stage, beside the reference"),
    ("train", "Training trace", "Train your digit classifier on real digits; loss and accuracy per epoch"),
    ("spotter", "Pitfall spotter", "Find the buggy line in a snippet"),
    ("progress", "Progress dashboard", "Lessons, quizzes, exercises, accuracy over time, time spent"),
)


class ForwardLabApp(App[None]):
    """Lessons, quizzes and live-graded exercises on PyTorch's forward()."""

    CSS_PATH = "forwardlab.tcss"
    TITLE = "Forward Lab"
    SUB_TITLE = "how PyTorch's forward() works"
    COMMANDS = App.COMMANDS | {CourseCommands}
    # Screens get the class -narrow below 100 columns and -short below 32 rows; the stylesheet folds
    # sidebars and trims margins there, so that every screen works in a standard 80x24 terminal.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help", tooltip="Keys for this screen and how Forward Lab works"),
        Binding("ctrl+q", "quit", "Quit", show=False, id="app.quit",
                tooltip="Leave Forward Lab (progress is saved as you go)"),
    ]

    def __init__(
        self,
        store: ProgressStore,
        *,
        content_dirs: Sequence[Path] | None = None,
        grading_client: Callable[[], GradingClient] | None = None,
        exit_after_first_paint: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        # Shuffles answer options on every attempt; tests pass a seeded one.
        self.rng = rng or random.Random()
        self.course = load_course(list(content_dirs) if content_dirs is not None else None)
        shown = {str(p) for p in self.course.problems}
        # and what keeps a course pack's exercise from being graded (an id two packs declare, a pack
        # refused as unsafe, a spec without its YAML): the grader's catalogue, not the content files
        self.problems: list[Problem | str] = [*self.course.problems,
                                              *(p for p in catalogue_problems() if p not in shown)]
        self._client_factory = grading_client or partial(_real_client, store.path)
        self._client: GradingClient | None = None
        self._client_warm = False
        # Serialises creating and warming the client: the warm-up worker and a check may race.
        self._client_lock = threading.Lock()
        self._exit_after_first_paint = exit_after_first_paint

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())
        if self.store.notice:
            self.notify(self.store.notice, title="Progress store", severity="warning", timeout=20)
        if self._exit_after_first_paint:
            self.call_after_refresh(self.exit)

    # --- grading ---------------------------------------------------------------------------
    @property
    def grader_warm(self) -> bool:
        """True once the grading worker has loaded torch, so a check will not wait for it."""
        return self._client_warm

    def grader(self) -> GradingClient:
        """The shared, warmed-up grading client. Blocks while torch loads: call it from a thread worker."""
        with self._client_lock:
            if self._client is None:
                self._client = self._client_factory()
            if not self._client_warm:
                self._client.warm_up()
                self._client_warm = True
            return self._client

    def on_unmount(self) -> None:
        if self._client is not None:
            self._client.close()

    # --- navigation (used by the outline, the command palette and "what next") -------------
    def open_item(self, kind: str, item_id: str) -> None:
        """Open a lesson, quiz or exercise by its id, on top of the current screen."""
        screens = {"lesson": LessonScreen, "quiz": QuizScreen, "exercise": ExerciseScreen}
        self.push_screen(screens[kind](item_id))

    def open_mode(self, mode: str, exercise_id: str | None = None) -> None:
        """Open a practice mode: review, trace, train, spotter or progress. Trace and train work on
        `exercise_id` (default: exercise 2, the seed's digit classifier)."""
        # Imported on first use: the plotting library stays out of the app's startup.
        from tui.screens.progress_screen import ProgressScreen
        from tui.screens.review_screen import ReviewScreen
        from tui.screens.spotter_screen import SpotterScreen
        from tui.screens.trace_screen import TraceScreen
        from tui.screens.train_screen import TrainScreen

        exercise = exercise_id or "exercise2"
        screens: dict[str, Callable[[], Screen]] = {
            "review": ReviewScreen, "spotter": SpotterScreen, "progress": ProgressScreen,
            "trace": partial(TraceScreen, exercise), "train": partial(TrainScreen, exercise)}
        self.push_screen(screens[mode]())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, title, help_text in MODE_COMMANDS:
            yield SystemCommand(title, help_text, partial(self.open_mode, mode))

    def _on_notify(self, event: Notify) -> None:
        # One toast per message: a repeat (a key pressed again) replaces the one still showing.
        new = event.notification
        for old in list(self._notifications):
            if (old.message, old.title, old.severity) == (new.message, new.title, new.severity):
                self._unnotify(old, refresh=False)
        super()._on_notify(event)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))
