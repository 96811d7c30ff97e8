"""QuizScreen: one question at a time with feedback on every option, a score at the end, retry the missed ones.

Options are shown in a new random order on every attempt. The end of a quiz keeps the first try and
the retries apart: the first answer ever given to a question is its first try, and retrying (this
screen's retry round, or the review queue) never changes that score. The missed questions are listed
without their answers, since the retry round is what asks them again.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, ProgressBar

from grader.course.attempts import histories, score, shuffled
from grader.course.content import Question
from grader.course.outline import quiz_item
from tui.screens.lab_screen import LabScreen
from tui.widgets.choice_list import ChoiceList
from tui.widgets.commit_card import CommitCard
from tui.widgets.lab_footer import LabFooter
from tui.widgets.prose import Prose
from tui.widgets.question_view import QuestionView


class QuizScreen(LabScreen):
    """Runs `questions` (all of the quiz's by default); every answer is recorded as it is given."""

    BINDINGS = [
        Binding("enter", "next", "Next question", id="quiz.next", tooltip="Go on once you have seen the feedback"),
        Binding("r", "retry", "Retry missed", id="quiz.retry", tooltip="Ask again only the questions you missed"),
    ]

    def __init__(self, quiz_id: str, question_ids: list[str] | None = None) -> None:
        super().__init__(activity_item=f"quiz:{quiz_id}")
        self.quiz_id = quiz_id
        self.question_ids = question_ids
        self.results: dict[str, bool] = {}
        self.index = 0

    def compose(self) -> ComposeResult:
        self.quiz = self.lab.course.quiz(self.quiz_id)
        wanted = self.question_ids
        self.questions: list[Question] = [q for q in self.quiz.questions if wanted is None or q.id in wanted]
        answered = histories(self.lab.store.answers("quiz"))
        # Answers in this round are first tries unless the question was answered before.
        self.first_tries = {q.id for q in self.questions if quiz_item(self.quiz, q.id) not in answered}
        self.sub_title = self.quiz.title + (" · retry" if wanted else "")
        yield Header()
        yield ProgressBar(total=len(self.questions), show_eta=False, id="quiz-progress")
        yield VerticalScroll(id="quiz-body")
        yield LabFooter()

    async def on_mount(self) -> None:
        await self._show_question()

    @property
    def finished(self) -> bool:
        return self.index >= len(self.questions)

    @property
    def missed(self) -> list[str]:
        return [qid for qid, right in self.results.items() if not right]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return self.index < len(self.questions) and self.questions[self.index].id in self.results
        if action == "retry":
            return self.finished and bool(self.missed)
        return True

    async def _show_question(self) -> None:
        body = self.query_one("#quiz-body", VerticalScroll)
        await body.remove_children()
        question = self.questions[self.index]
        view = QuestionView(quiz_item(self.quiz, question.id), question, number=self.index + 1,
                            total=len(self.questions), order=shuffled(len(question.options), self.lab.rng))
        await body.mount(view)
        self.call_after_refresh(view.query_one(ChoiceList).focus)
        self.refresh_bindings()

    def on_commit_card_committed(self, event: CommitCard.Committed) -> None:
        question = self.questions[self.index]
        self.results[question.id] = event.correct
        self.lab.store.record_answer(event.card.KIND, event.card.item, event.answer, event.correct, event.shown)
        self.query_one(ProgressBar).advance(1)
        self.refresh_bindings()

    async def action_next(self) -> None:
        self.index += 1
        if self.finished:
            await self._show_summary()
        else:
            await self._show_question()

    def summary_lines(self) -> list[str]:
        """The end of the round: its score, labelled for what it is, and the quiz's first-try score apart."""
        right, total = sum(self.results.values()), len(self.questions)
        overall = score([quiz_item(self.quiz, q.id) for q in self.quiz.questions],
                        histories(self.lab.store.answers("quiz")))
        if self.question_ids is not None:
            heading = f"# Retry: {right} / {total} right this time"
        elif len(self.first_tries) == total:
            heading = f"# First try: {right} / {total}"
        else:
            heading = f"# This round: {right} / {total} (a retake: your first tries are counted apart)"
        lines = [heading, ""]
        if self.question_ids is not None or len(self.first_tries) < total or overall.questions > total:
            missed_first = overall.answered - overall.first_right
            lines += [f"Your first try at this quiz: **{overall.first_right} / {overall.questions}**"
                      + (f" · fixed on retry: **{overall.fixed} of {missed_first}**" if overall.retried else ""), ""]
        if self.missed:
            lines += ["You missed these. Press **r** to try them again, in a new order; **Esc** for the outline.",
                      ""]
            lines += [f"- {q.prompt.splitlines()[0]}" for q in self.questions if q.id in self.missed]
        else:
            lines.append("Every answer right this round. Press **Esc** to go back to the outline.")
        return lines

    async def _show_summary(self) -> None:
        body = self.query_one("#quiz-body", VerticalScroll)
        await body.remove_children()
        await body.mount(Prose("\n".join(self.summary_lines()), id="quiz-summary"))
        body.focus()
        self.refresh_bindings()

    def action_retry(self) -> None:
        self.app.switch_screen(QuizScreen(self.quiz_id, self.missed))
