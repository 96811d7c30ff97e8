"""LessonScreen: read a lesson section by section; predictions gate the text, myths ask before telling."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Markdown, OptionList, Static

from grader.course.attempts import parse_order, shuffled
from grader.course.outline import latest_answers, lesson_position, save_lesson_position
from tui.lesson_markdown import section_markdown
from tui.screens.lab_screen import LabScreen
from tui.widgets.choice_list import ChoiceList
from tui.widgets.commit_card import CommitCard
from tui.widgets.myth_card import MythCard
from tui.widgets.predict_card import PredictCard
from tui.widgets.section_list import SectionList


class LessonScreen(LabScreen):
    """One lesson; the reading position (section and furthest reached) is kept in the progress store."""

    BINDINGS = [
        Binding("n,right", "move(1)", "Next section", id="lesson.next", tooltip="Go on to the next section"),
        Binding("p,left", "move(-1)", "Previous", id="lesson.previous", tooltip="Back to the previous section"),
        Binding("s", "sections", "Sections", id="lesson.sections", tooltip="Pick a section from the list"),
        Binding("r", "read", "Read", id="lesson.read", tooltip="Focus the text, to scroll it with ↑↓ PgUp PgDn"),
    ]

    def __init__(self, lesson_id: str) -> None:
        super().__init__(activity_item=f"lesson:{lesson_id}")
        self.lesson_id = lesson_id

    def compose(self) -> ComposeResult:
        self.lesson = self.lab.course.lesson(self.lesson_id)
        self.current, self.furthest = lesson_position(self.lab.store, self.lesson_id)
        # A lesson edited since the position was saved may have fewer sections now.
        self.current = min(self.current, len(self.lesson.sections) - 1)
        self.sub_title = self.lesson.title
        yield Header()
        with Horizontal(id="lesson"):
            sections = SectionList(self.lesson, id="section-list")
            sections.border_title = "Sections"
            yield sections
            page = VerticalScroll(id="page")
            page.can_focus = True
            yield page
        yield Footer()

    async def on_mount(self) -> None:
        await self.show_section(self.current)

    @property
    def _gated(self) -> bool:
        """True while the current section's prediction is still waiting for the learner."""
        cards = self.query(PredictCard)
        return bool(cards) and not cards.first().committed

    async def show_section(self, index: int) -> None:
        self.current = index
        self.furthest = max(self.furthest, index)
        save_lesson_position(self.lab.store, self.lesson_id, self.current, self.furthest)
        self.query_one(SectionList).show(self.current, self.furthest)
        section = self.lesson.sections[index]
        item = f"{self.lesson_id}#{section.id}"
        page = self.query_one("#page", VerticalScroll)
        await page.remove_children()
        page.border_title = f"Section {index + 1} of {len(self.lesson.sections)}"
        myths = latest_answers(self.lab.store, "myth")
        rest = Vertical(
            Markdown(section_markdown(section), id="section-text"),
            *(MythCard(item, m, previous=myths[item].answer if item in myths else None)
              for m in section.myths for item in [f"{self.lesson_id}#{m.id}"]),
            id="section-rest",
        )
        widgets: list = [Static(section.title, id="section-title")]
        if section.predict:
            previous = latest_answers(self.lab.store, "predict").get(item)
            n = len(section.predict.options)
            # an answered prediction is shown as it was answered; a new one in a new order
            order = (parse_order(previous.shown, n) if previous else None) or shuffled(n, self.lab.rng)
            widgets.append(PredictCard(item, section.predict, previous=previous.answer if previous else None,
                                       order=order))
            rest.display = previous is not None
        await page.mount_all([*widgets, rest])
        page.scroll_home(animate=False)
        self.call_after_refresh(self._focus_next_question)

    def _focus_next_question(self) -> None:
        """Focus the first card still waiting for an answer (the prediction, then myths), else the text."""
        waiting = [card for card in self.query(CommitCard) if not card.committed]
        if waiting:
            waiting[0].query_one(ChoiceList).focus()
        else:
            self.query_one("#page").focus()

    async def action_move(self, step: int) -> None:
        target = self.current + step
        if step > 0 and self._gated:
            self.notify("Commit to a prediction first (pick an option, then Enter). "
                        "Or press s to jump to another section.", severity="warning")
        elif target >= len(self.lesson.sections):
            self.notify(f"You finished “{self.lesson.title}”.", title="Lesson complete")
            self.dismiss()
        elif target >= 0:
            await self.show_section(target)

    def action_sections(self) -> None:
        self.query_one(SectionList).focus()

    def action_read(self) -> None:
        self.query_one("#page").focus()

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, SectionList):
            await self.show_section(event.option_index)

    def on_commit_card_committed(self, event: CommitCard.Committed) -> None:
        self.lab.store.record_answer(event.card.KIND, event.card.item, event.answer, event.correct, event.shown)
        if isinstance(event.card, PredictCard):
            # The text it held back is what to read now: show it and let the arrows scroll it.
            rest = self.query_one("#section-rest")
            rest.display = True
            page = self.query_one("#page", VerticalScroll)
            page.focus()
            self.call_after_refresh(page.scroll_to_widget, rest.children[0])
        else:
            self.call_after_refresh(self._focus_next_question)
