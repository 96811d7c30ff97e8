"""LessonScreen: read a lesson section by section; predictions gate the text, myths ask before telling.

A section counts as read once it is shown with its text revealed: at once when it has no prediction,
on committing the prediction when it has one. Jumping with the section list reads nothing on the way.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, OptionList, Static

from grader.course.attempts import parse_order, shuffled
from grader.course.outline import LessonPosition, latest_answers, lesson_position, save_lesson_position
from tui.lesson_markdown import name_lessons, section_markdown
from tui.screens.lab_screen import LabScreen
from tui.widgets.choice_list import ChoiceList
from tui.widgets.commit_card import CommitCard
from tui.widgets.lab_footer import LabFooter
from tui.widgets.myth_card import MythCard
from tui.widgets.predict_card import PredictCard
from tui.widgets.prose import CodeFence, Prose
from tui.widgets.section_list import SectionList


class LessonScreen(LabScreen):
    """One lesson; the reading position (section shown, sections read) is kept in the progress store."""

    BINDINGS = [
        Binding("n", "move(1)", "Next", id="lesson.next",
                tooltip="Go on to the next section (on the last one: close the lesson)"),
        Binding("p", "move(-1)", "Previous", id="lesson.previous", tooltip="Back to the previous section"),
        Binding("s", "sections", "Sections", id="lesson.sections",
                tooltip="The list of sections, to jump to one (on a narrow terminal it opens and closes)"),
        Binding("r", "read", "Read", id="lesson.read", tooltip="Focus the text, to scroll it with ↑↓ PgUp PgDn"),
        # Priority: the focused list or text would otherwise take the arrows (and do nothing with them).
        Binding("left", "scroll_code(-1)", "Code ←", show=False, priority=True, id="lesson.code-left",
                tooltip="Scroll the section's wide code blocks to the left"),
        Binding("right", "scroll_code(1)", "Code →", show=False, priority=True, id="lesson.code-right",
                tooltip="Scroll the section's wide code blocks to the right"),
    ]

    def __init__(self, lesson_id: str) -> None:
        super().__init__(activity_item=f"lesson:{lesson_id}")
        self.lesson_id = lesson_id

    def compose(self) -> ComposeResult:
        self.lesson = self.lab.course.lesson(self.lesson_id)
        self.titles = {lesson.id: lesson.title for lesson in self.lab.course.lessons}
        self.position = lesson_position(self.lab.store, self.lesson_id) or LessonPosition()
        # A lesson edited since the position was saved may have fewer sections now.
        self.current = min(self.position.section, len(self.lesson.sections) - 1)
        self.sub_title = self.lesson.title
        yield Header()
        with Horizontal(id="lesson"):
            sections = SectionList(self.lesson, id="section-list")
            sections.border_title = "Sections"
            yield sections
            page = VerticalScroll(id="page")
            page.can_focus = True
            yield page
        yield LabFooter()

    async def on_mount(self) -> None:
        await self.show_section(self.current)

    @property
    def _gated(self) -> bool:
        """True while the current section's prediction is still waiting for the learner."""
        cards = self.query(PredictCard)
        return bool(cards) and not cards.first().committed

    def _save(self, position: LessonPosition) -> None:
        self.position = position
        save_lesson_position(self.lab.store, self.lesson_id, position)
        self.query_one(SectionList).show(self.current, position.read)

    async def show_section(self, index: int) -> None:
        self.current = index
        section = self.lesson.sections[index]
        item = f"{self.lesson_id}#{section.id}"
        previous = latest_answers(self.lab.store, "predict").get(item) if section.predict else None
        revealed = section.predict is None or previous is not None
        self._save(self.position.reading(index) if revealed else LessonPosition(index, self.position.read))
        page = self.query_one("#page", VerticalScroll)
        await page.remove_children()
        page.border_title = f"Section {index + 1} of {len(self.lesson.sections)}"
        page.border_subtitle = ""
        myths = latest_answers(self.lab.store, "myth")
        rest = Vertical(
            Prose(name_lessons(section_markdown(section), self.titles), id="section-text"),
            *(MythCard(item, m, previous=myths[item].answer if item in myths else None)
              for m in section.myths for item in [f"{self.lesson_id}#{m.id}"]),
            id="section-rest",
        )
        widgets: list = [Static(section.title, id="section-title")]
        if section.predict:
            n = len(section.predict.options)
            # an answered prediction is shown as it was answered; a new one in a new order
            order = (parse_order(previous.shown, n) if previous else None) or shuffled(n, self.lab.rng)
            widgets.append(PredictCard(item, section.predict, previous=previous.answer if previous else None,
                                       order=order))
            rest.display = revealed
        await page.mount_all([*widgets, rest])
        page.scroll_home(animate=False)
        self.call_after_refresh(self._focus_next_question)

    def on_code_fence_resized(self) -> None:
        # A code block wider than the page: name the keys that scroll it, on the page's border.
        wide = any(fence.wide for fence in self.query(CodeFence))
        self.query_one("#page").border_subtitle = "← → scroll the wide code" if wide else ""

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
            self._finish()
        elif target >= 0:
            await self.show_section(target)

    def _finish(self) -> None:
        unread = [i + 1 for i in range(len(self.lesson.sections)) if i not in self.position.read]
        if unread:
            which = ", ".join(map(str, unread))
            self.notify(f"Closed “{self.lesson.title}” with {len(unread)} of {len(self.lesson.sections)} "
                        f"sections still unread: {which}. Press s in the lesson to go to them.",
                        title="Lesson not finished yet", timeout=8)
        else:
            self.notify(f"You finished “{self.lesson.title}”.", title="Lesson complete")
        self.dismiss()

    def action_sections(self) -> None:
        sections = self.query_one(SectionList)
        if self.has_class("-narrow"):  # the list is a drawer here: s opens and closes it
            opening = not sections.has_class("-open")
            sections.set_class(opening, "-open")
            if not opening:
                self._focus_next_question()
                return
        sections.focus()

    def action_read(self) -> None:
        self.query_one("#page").focus()

    def action_scroll_code(self, step: int) -> None:
        for fence in self.query(CodeFence):
            fence.action_scroll_code(step)

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, SectionList):
            event.option_list.remove_class("-open")
            await self.show_section(event.option_index)

    def on_commit_card_committed(self, event: CommitCard.Committed) -> None:
        self.lab.store.record_answer(event.card.KIND, event.card.item, event.answer, event.correct, event.shown)
        if isinstance(event.card, PredictCard):
            # The text it held back is what to read now: show it, count the section read, let the arrows scroll it.
            self._save(self.position.reading(self.current))
            rest = self.query_one("#section-rest")
            rest.display = True
            page = self.query_one("#page", VerticalScroll)
            page.focus()
            self.call_after_refresh(page.scroll_to_widget, rest.children[0])
        else:
            self.call_after_refresh(self._focus_next_question)
