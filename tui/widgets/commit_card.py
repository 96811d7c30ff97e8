"""CommitCard: a question the learner must commit to before the answer is revealed.

The base of predict-before-reading-on cards, true-or-myth cards and quiz questions: it owns the
ChoiceList, locks it on commit, shows the subclass's feedback and posts `Committed` for recording.
Options may be shown in a shuffled `order`; answers always name options by their place in the
content (source indices), and the order shown is recorded with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from grader.course.attempts import order_text
from tui.widgets.choice_list import LETTERS, ChoiceList
from tui.widgets.prose import Prose


def letters(indices: Sequence[int]) -> str:
    """[0, 2] -> "A,C": how answers are written to the progress store."""
    return ",".join(LETTERS[i] for i in indices)


def indices(answer: str) -> list[int]:
    """"A,C" -> [0, 2]; the inverse of `letters`, for re-showing an earlier commitment."""
    return [LETTERS.index(part) for part in answer.split(",") if part in LETTERS]


class CommitCard(Vertical):
    """Subclasses set KIND (the progress-store answer kind), KICKER (or pass `kicker`) and implement
    `feedback(chosen)`, the Markdown shown once the learner has committed."""

    KIND: ClassVar[str] = ""
    KICKER: ClassVar[str] = ""

    class Committed(Message):
        """The learner committed: `answer` is the letters chosen (by content position), `correct` whether
        it was right, `shown` the order the options were shown in ("" when as written)."""

        def __init__(self, card: CommitCard, answer: str, correct: bool, shown: str) -> None:
            super().__init__()
            self.card = card
            self.answer = answer
            self.correct = correct
            self.shown = shown

        @property
        def control(self) -> CommitCard:
            return self.card

    def __init__(self, item: str, question: str, options: Sequence[str], correct: set[int], *,
                 multiple: bool = False, previous: str | None = None, kicker: str | None = None,
                 order: Sequence[int] | None = None, id: str | None = None) -> None:
        super().__init__(id=id, classes="card")
        self.kicker = kicker or self.KICKER
        self.item = item
        self.question = question
        self.options = list(options)
        self.correct = correct
        self.multiple = multiple
        self.previous = previous
        self.shuffled = order is not None
        # position on screen -> index in the content
        self.order = list(order) if order is not None else list(range(len(self.options)))

    def letter(self, index: int) -> str:
        """The letter the content's option `index` is shown under."""
        return LETTERS[self.order.index(index)]

    @property
    def committed(self) -> bool:
        return self.query_one(ChoiceList).locked

    def compose(self) -> ComposeResult:
        yield Static(self.kicker, classes="card-kicker")
        yield Prose(self.question, classes="card-question")
        yield ChoiceList([self.options[i] for i in self.order], multiple=self.multiple)
        yield Prose("", classes="card-feedback")

    def on_mount(self) -> None:
        if self.previous is not None:
            self._reveal(indices(self.previous))

    def on_choice_list_submitted(self, event: ChoiceList.Submitted) -> None:
        event.stop()
        chosen = sorted(self.order[i] for i in event.chosen)
        self._reveal(chosen)
        shown = order_text(self.order) if self.shuffled else ""
        self.post_message(self.Committed(self, letters(chosen), set(chosen) == self.correct, shown))

    def _reveal(self, chosen: list[int]) -> None:
        """Lock the list and give the feedback for `chosen` (content indices)."""
        choices = self.query_one(ChoiceList)
        choices.chosen = {self.order.index(i) for i in chosen}
        choices.reveal({self.order.index(i) for i in self.correct})
        self.add_class("-right" if set(chosen) == self.correct else "-wrong")
        self.query_one(".card-feedback", Prose).update(self.feedback(chosen))

    def feedback(self, chosen: list[int]) -> str:
        """The Markdown shown after the commitment; `chosen` are content indices."""
        raise NotImplementedError

    def option_notes(self, chosen: list[int], explanations: Sequence[str]) -> list[str]:
        """One line per option, in the order shown, each with its explanation, picked or not."""
        lines = []
        for i in self.order:
            right = i in self.correct
            verdict = ("right" if right else "wrong") + (", your pick" if i in chosen else "")
            lines.append(f"- {'✔' if right else '✘'} **{self.letter(i)}** ({verdict}): {explanations[i]}")
        return lines
