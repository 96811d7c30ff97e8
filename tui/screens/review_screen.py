"""ReviewScreen: today's due review items, one at a time — the questions re-asked, the exercises pointed to.

What is due comes from the review schedule (grader.course.review via grader.api); every answer given here is
recorded like any other, and the progress store moves the item on (right) or back to box 1 (wrong).
"""

from __future__ import annotations

import random

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Header, ProgressBar

from grader.api import plural, review_outlook
from grader.course.attempts import shuffled
from grader.course.content import Course
from grader.course.progress import ProgressStore
from tui.screens.lab_screen import LabScreen
from tui.screens.spotter_screen import snippet_item
from tui.widgets.commit_card import CommitCard
from tui.widgets.exercise_review_card import ExerciseReviewCard
from tui.widgets.lab_footer import LabFooter
from tui.widgets.myth_card import MythCard
from tui.widgets.predict_card import PredictCard
from tui.widgets.prose import Prose
from tui.widgets.question_view import QuestionView
from tui.widgets.snippet_card import SnippetCard


def review_card(course: Course, store: ProgressStore, key: str, number: int, total: int,
                rng: random.Random | None = None) -> Widget | None:
    """The card that re-asks review item `key` ('quiz:QUIZ/QUESTION', ...), or None if the course no
    longer has it. With `rng`, the options come in a new order."""
    kind, _, item = key.partition(":")

    def order(n: int) -> list[int] | None:
        return shuffled(n, rng) if rng is not None else None

    try:
        if kind == "quiz":
            quiz_id, _, question_id = item.partition("/")
            question = next(q for q in course.quiz(quiz_id).questions if q.id == question_id)
            return QuestionView(item, question, number=number, total=total, order=order(len(question.options)))
        if kind == "predict":
            predict = course.section(item)[1].predict
            return PredictCard(item, predict, order=order(len(predict.options))) if predict else None
        if kind == "myth":
            lesson_id, _, myth_id = item.partition("#")
            myths = [m for section in course.lesson(lesson_id).sections for m in section.myths]
            return MythCard(item, next(m for m in myths if m.id == myth_id))
        if kind == "spotter":
            spotter_id, _, snippet_id = item.partition("/")
            spotter = course.spotter(spotter_id)
            snippet = next(s for s in spotter.snippets if s.id == snippet_id)
            return SnippetCard(snippet_item(spotter, snippet), snippet, kicker=f"◆ Review · {spotter.title}")
        if kind == "exercise":
            return ExerciseReviewCard(item, course.exercise(item), _last_failure(store, item))
    except (KeyError, StopIteration):
        return None
    return None


def _last_failure(store: ProgressStore, exercise_id: str) -> str | None:
    report = store.latest_check(exercise_id)
    failed = [c for c in (report or {}).get("checks", []) if c.get("status") == "fail"]
    return failed[0]["message"].splitlines()[0] if failed else None


def due_keys(course: Course, store: ProgressStore) -> list[str]:
    """Today's due items that the course can still ask, oldest due first."""
    return [key for key in review_outlook(store).due if review_card(course, store, key, 1, 1) is not None]


class ReviewScreen(LabScreen):
    """Enter goes on after an answer; s skips an item (it stays due); o opens a due exercise."""

    BINDINGS = [
        Binding("enter", "next", "Next", id="review.next", tooltip="On to the next due item"),
        Binding("s", "next", "Skip", id="review.skip", tooltip="Leave this one for later today"),
        Binding("o", "open_exercise", "Open exercise", id="review.open", tooltip="Open the exercise to fix or redo it"),
    ]

    def __init__(self) -> None:
        super().__init__(activity_item="review:due")
        self.index = 0
        self.results: dict[str, bool] = {}

    def compose(self) -> ComposeResult:
        self.keys = due_keys(self.lab.course, self.lab.store)
        self._count_due()
        yield Header()
        yield ProgressBar(total=len(self.keys) or 1, show_eta=False, id="review-progress")
        yield VerticalScroll(id="review-body")
        yield LabFooter()

    async def on_mount(self) -> None:
        await self._show()

    def _count_due(self) -> None:
        """The title counts what is still due today: an answer moves its item on (right) or to tomorrow
        (wrong); a skipped item stays due."""
        due = set(review_outlook(self.lab.store).due)
        self.sub_title = f"Review · {sum(key in due for key in self.keys)} due today"

    @property
    def card(self) -> Widget | None:
        cards = self.query(".review-card")
        return cards.first() if cards else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.index >= len(self.keys):
            return action not in ("next", "open_exercise")
        if action == "open_exercise":
            return isinstance(self.card, ExerciseReviewCard)
        return True

    async def _show(self) -> None:
        body = self.query_one("#review-body", VerticalScroll)
        await body.remove_children()
        if self.index >= len(self.keys):
            await body.mount(Prose(self._summary(), id="review-summary"))
            body.focus()
        else:
            card = review_card(self.lab.course, self.lab.store, self.keys[self.index], self.index + 1, len(self.keys),
                               self.lab.rng)
            card.add_class("review-card")
            await body.mount(card)
            self.call_after_refresh(self._focus_card)
        self.refresh_bindings()

    def _focus_card(self) -> None:
        lists = self.query(".review-card OptionList")
        (lists.first() if lists else self.query_one("#review-body")).focus()

    def _summary(self) -> str:
        right = sum(self.results.values())
        outlook = review_outlook(self.lab.store)
        lines = [f"# Review done: {right} of {len(self.results)} right", ""]
        if not self.keys:
            lines = ["# Nothing to review today", "", "Questions you answer wrong and exercises that fail come back "
                     "here, spaced out over days: the next day, then 2, 4, 8 and 16 days later while you keep getting "
                     "them right.", ""]
        if outlook.due:
            still = "1 item is" if len(outlook.due) == 1 else f"{len(outlook.due)} items are"
            lines += [f"{still} still due today (skipped or missed).", ""]
        if outlook.next_due:
            lines.append(f"Next review: **{outlook.next_due:%A} {outlook.next_due.day} {outlook.next_due:%B}** "
                         f"({plural(outlook.waiting, 'item')} waiting).")
        return "\n".join([*lines, "", "Press **Esc** to go back."])

    async def action_next(self) -> None:
        self.index += 1
        self.query_one(ProgressBar).advance(1)
        await self._show()

    def action_open_exercise(self) -> None:
        card = self.card
        if isinstance(card, ExerciseReviewCard):
            self.lab.open_item("exercise", card.item)

    def on_screen_resume(self) -> None:
        # Back from the exercise: a check that passed today has moved the item on.
        card = self.card
        if isinstance(card, ExerciseReviewCard) and self.keys[self.index] not in review_outlook(self.lab.store).due:
            self.results[card.item] = True
            card.passed()
        self._count_due()

    def on_commit_card_committed(self, event: CommitCard.Committed) -> None:
        self._answered(event.card.KIND, event.card.item, event.answer, event.correct, event.shown)

    def on_snippet_card_answered(self, event: SnippetCard.Answered) -> None:
        self._answered("spotter", event.card.item, str(event.line), event.correct)

    def _answered(self, kind: str, item: str, answer: str, correct: bool, shown: str = "") -> None:
        self.lab.store.record_answer(kind, item, answer, correct, shown)
        self.results[f"{kind}:{item}"] = correct
        self._count_due()
        self.query_one("#review-body").focus()  # Enter now means "next"
        self.refresh_bindings()
