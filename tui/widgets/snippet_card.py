"""SnippetCard: a pitfall-spotter snippet — find the buggy line, then read why it is wrong and the fix.

The code's lines are the options: move with ↑↓ (or press the line's number, 1-9) and Enter commits.
Lines the snippet does not offer are shown but cannot be picked. Shared by the pitfall spotter and
the review screen; the parent screen records the answer from `Answered`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.highlight import highlight
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from grader.course.content import Snippet
from tui.widgets.prose import Prose


class LinePicker(OptionList):
    """The snippet's numbered lines; Enter commits the highlighted one. Locked once revealed."""

    BINDINGS = [
        Binding("enter", "commit", "Commit line", id="spotter.commit", tooltip="Lock in the line you think is buggy"),
        *(Binding(str(n), f"go({n})", f"Line {n}", show=False, id=f"spotter.line{n}") for n in range(1, 10)),
    ]

    class Picked(Message):
        def __init__(self, picker: LinePicker, line: int) -> None:
            super().__init__()
            self.picker = picker
            self.line = line

        @property
        def control(self) -> LinePicker:
            return self.picker

    def __init__(self, snippet: Snippet, *, id: str | None = None) -> None:
        self.snippet = snippet
        self.lines = snippet.code.rstrip("\n").splitlines()
        self.offered = set(snippet.options) or {n for n, text in enumerate(self.lines, 1) if text.strip()}
        self.chosen: int | None = None
        self.locked = False
        super().__init__(*self._line_options(), id=id, classes="line-picker")

    def _line_options(self) -> list[Option]:
        return [Option(self._prompt(n, text), id=str(n), disabled=n not in self.offered)
                for n, text in enumerate(self.lines, 1)]

    def _prompt(self, n: int, text: str) -> Content:
        code = highlight(text, language="python") if text.strip() else Content("")
        mark = (" ", "")
        if self.locked:
            mark = ("✔", "$text-success") if n == self.snippet.bug_line else (
                ("✘", "$text-error") if n == self.chosen else (" ", ""))
        return Content.assemble(mark, (f" {n:>2} │ ", "$text-muted"), code)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.locked and action in ("commit", "go"))  # once locked, Enter means "next snippet"

    def action_go(self, line: int) -> None:
        if line in self.offered:
            self.highlighted = line - 1

    def action_select(self) -> None:
        # a click picks the line, as Enter would
        self.action_commit()

    def action_commit(self) -> None:
        if self.locked or self.highlighted is None or self.highlighted + 1 not in self.offered:
            return
        self.post_message(self.Picked(self, self.highlighted + 1))

    def reveal(self, chosen: int) -> None:
        """Lock the picker and mark the buggy line ✔ and a wrong pick ✘."""
        self.chosen, self.locked = chosen, True
        self.set_options(self._line_options())
        self.highlighted = chosen - 1


class SnippetCard(Vertical):
    """One snippet: the question, the code as a LinePicker, and the explanation once answered."""

    class Answered(Message):
        """The learner picked `line`; `correct` when it is the snippet's bug line."""

        def __init__(self, card: SnippetCard, line: int, correct: bool) -> None:
            super().__init__()
            self.card = card
            self.line = line
            self.correct = correct

        @property
        def control(self) -> SnippetCard:
            return self.card

    def __init__(self, item: str, snippet: Snippet, *, kicker: str, previous: int | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id, classes="card snippet-card")
        self.item = item
        self.snippet = snippet
        self.kicker = kicker
        self.previous = previous

    @property
    def answered(self) -> bool:
        return self.query_one(LinePicker).locked

    def compose(self) -> ComposeResult:
        yield Static(self.kicker, classes="card-kicker")
        yield Static("Which line has the bug? ↑↓ or its number, then Enter.", classes="snippet-question")
        yield LinePicker(self.snippet)
        yield Prose("", classes="card-feedback")

    def on_mount(self) -> None:
        if self.previous is not None:
            self._reveal(self.previous)

    def on_line_picker_picked(self, event: LinePicker.Picked) -> None:
        event.stop()
        self._reveal(event.line)
        self.post_message(self.Answered(self, event.line, event.line == self.snippet.bug_line))

    def _reveal(self, line: int) -> None:
        self.query_one(LinePicker).reveal(line)
        right = line == self.snippet.bug_line
        self.add_class("-right" if right else "-wrong")
        verdict = (f"**✔ Right: line {line}.**" if right
                   else f"**✘ Line {line} is fine. The bug is on line {self.snippet.bug_line}.**")
        self.query_one(".card-feedback", Prose).update(
            f"{verdict}\n\n**Why.** {self.snippet.explanation}\n\n**Fix.** {self.snippet.fix}")
