"""CommitCard: a question the learner must commit to before the answer is revealed.

The base of predict-before-reading-on cards, myth-buster cards and quiz questions: it owns the
ChoiceList, locks it on commit, shows the subclass's feedback and posts `Committed` for recording.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

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
        """The learner committed: `answer` is the letters chosen, `correct` whether it was right."""

        def __init__(self, card: CommitCard, answer: str, correct: bool) -> None:
            super().__init__()
            self.card = card
            self.answer = answer
            self.correct = correct

        @property
        def control(self) -> CommitCard:
            return self.card

    def __init__(self, item: str, question: str, options: Sequence[str], correct: set[int], *,
                 multiple: bool = False, previous: str | None = None, kicker: str | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id, classes="card")
        self.kicker = kicker or self.KICKER
        self.item = item
        self.question = question
        self.options = list(options)
        self.correct = correct
        self.multiple = multiple
        self.previous = previous

    @property
    def committed(self) -> bool:
        return self.query_one(ChoiceList).locked

    def compose(self) -> ComposeResult:
        yield Static(self.kicker, classes="card-kicker")
        yield Prose(self.question, classes="card-question")
        yield ChoiceList(self.options, multiple=self.multiple)
        yield Prose("", classes="card-feedback")

    def on_mount(self) -> None:
        if self.previous is not None:
            self._reveal(indices(self.previous))

    def on_choice_list_submitted(self, event: ChoiceList.Submitted) -> None:
        event.stop()
        self._reveal(event.chosen)
        self.post_message(self.Committed(self, letters(event.chosen), set(event.chosen) == self.correct))

    def _reveal(self, chosen: list[int]) -> None:
        choices = self.query_one(ChoiceList)
        choices.chosen = set(chosen)
        choices.reveal(self.correct)
        self.add_class("-right" if set(chosen) == self.correct else "-wrong")
        self.query_one(".card-feedback", Prose).update(self.feedback(chosen))

    def feedback(self, chosen: list[int]) -> str:
        raise NotImplementedError
