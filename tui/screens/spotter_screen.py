"""SpotterScreen: the pitfall spotter — one buggy snippet at a time from the course's spotters."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, ProgressBar

from grader.course.content import Course, Snippet, Spotter
from grader.course.outline import latest_answers
from tui.screens.lab_screen import LabScreen
from tui.widgets.lab_footer import LabFooter
from tui.widgets.snippet_card import LinePicker, SnippetCard


def snippet_item(spotter: Spotter, snippet: Snippet) -> str:
    """The progress-store item of a snippet (snippet ids are only unique within a spotter)."""
    return f"{spotter.id}/{snippet.id}"


def all_snippets(course: Course) -> list[tuple[Spotter, Snippet]]:
    """Every snippet, spotters in the order of their lessons."""
    order = {lesson.id: i for i, lesson in enumerate(course.lessons)}
    spotters = sorted(course.spotters, key=lambda s: (order.get(s.section.partition("#")[0], len(order)), s.id))
    return [(spotter, snippet) for spotter in spotters for snippet in spotter.snippets]


class SpotterScreen(LabScreen):
    """Starts at the first snippet not answered yet; n and p move between snippets."""

    BINDINGS = [
        Binding("n", "move(1)", "Next snippet", id="spotter.next", tooltip="Go on to the next snippet"),
        Binding("p", "move(-1)", "Previous", id="spotter.previous", tooltip="Back to the previous snippet"),
        Binding("enter", "move(1)", "Next snippet", show=False, id="spotter.enter",
                tooltip="Once you have answered: on to the next snippet"),
    ]

    def __init__(self) -> None:
        super().__init__(activity_item="spotter:all")
        self.index = 0

    def compose(self) -> ComposeResult:
        self.snippets = all_snippets(self.lab.course)
        answered = latest_answers(self.lab.store, "spotter")
        self.index = next((i for i, pair in enumerate(self.snippets) if snippet_item(*pair) not in answered), 0)
        self.sub_title = "Pitfall spotter"
        yield Header()
        yield ProgressBar(total=len(self.snippets) or 1, show_eta=False, id="spotter-progress")
        yield VerticalScroll(id="spotter-body")
        yield LabFooter()

    async def on_mount(self) -> None:
        if not self.snippets:
            self.notify("This course has no pitfall snippets yet.", severity="warning")
            return
        await self.show_snippet(self.index)

    async def show_snippet(self, index: int) -> None:
        self.index = index
        spotter, snippet = self.snippets[index]
        item = snippet_item(spotter, snippet)
        previous = latest_answers(self.lab.store, "spotter").get(item)
        body = self.query_one("#spotter-body", VerticalScroll)
        await body.remove_children()
        card = SnippetCard(item, snippet, kicker=f"◆ {spotter.title} · snippet {index + 1} of {len(self.snippets)}",
                           previous=int(previous.answer) if previous else None, id="snippet")
        await body.mount(card)
        self._count_answered()
        self.call_after_refresh(card.query_one(LinePicker).focus)
        self.refresh_bindings()

    def _count_answered(self) -> None:
        answered = latest_answers(self.lab.store, "spotter")
        done = sum(snippet_item(*pair) in answered for pair in self.snippets)
        self.query_one(ProgressBar).update(progress=done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "move":  # moving past the last snippet finishes
            return bool(self.snippets) and 0 <= self.index + int(parameters[0]) <= len(self.snippets)  # type: ignore[call-overload]
        return True

    async def action_move(self, step: int) -> None:
        target = self.index + step
        if target >= len(self.snippets):
            self.notify("That was the last snippet. Well spotted!", title="Pitfall spotter")
            self.dismiss()
        elif target >= 0:
            await self.show_snippet(target)

    def on_snippet_card_answered(self, event: SnippetCard.Answered) -> None:
        self.lab.store.record_answer("spotter", event.card.item, str(event.line), event.correct)
        self._count_answered()
        self.query_one("#spotter-body").focus()
        self.refresh_bindings()
