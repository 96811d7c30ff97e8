"""ExerciseReviewCard: an exercise that failed comes back for review — what went wrong, and where to fix it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from grader.course.content import ExerciseMeta
from tui.widgets.prose import Prose


class ExerciseReviewCard(Vertical):
    """Shows the exercise's last failure; the screen opens the exercise (o), where a passing check on a
    due day moves the item on in the schedule."""

    def __init__(self, item: str, meta: ExerciseMeta, last_failure: str | None, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="card exercise-review")
        self.item = item
        self.meta = meta
        self.last_failure = last_failure

    def compose(self) -> ComposeResult:
        yield Static(f"◆ Exercise to revisit · {self.meta.title}", classes="card-kicker")
        failure = f"Your check failed with:\n\n> {self.last_failure}\n\n" if self.last_failure else ""
        yield Prose(f"{self.meta.summary}\n\n{failure}Press **o** to open it: rewrite `forward` from memory "
                       "(or fix it), then check it with **c**. A pass today moves it to a later review.",
                       classes="card-question")
        yield Prose("", classes="card-feedback")

    def passed(self) -> None:
        """Mark the card done after a passing check."""
        self.add_class("-right")
        self.query_one(".card-feedback", Prose).update("**✔ Passing again.** It comes back in a few days.")
