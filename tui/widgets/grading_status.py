"""GradingStatus: a one-line status of the grader — a spinner and what it is doing, or the last outcome."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import LoadingIndicator, Static


class GradingStatus(Horizontal):
    """`busy("loading torch…")` shows the spinner; `idle(text)` hides it and shows the outcome."""

    def compose(self) -> ComposeResult:
        yield LoadingIndicator(id="grading-spinner")
        yield Static("", id="grading-label")

    def on_mount(self) -> None:
        self.idle("")

    def busy(self, text: str) -> None:
        self.set_class(True, "-busy")
        self.query_one("#grading-label", Static).update(text)

    def idle(self, text: str) -> None:
        self.set_class(False, "-busy")
        self.query_one("#grading-label", Static).update(text)
