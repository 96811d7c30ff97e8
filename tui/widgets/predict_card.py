"""PredictCard: "predict before reading on" — the section continues only after the learner commits."""

from __future__ import annotations

from grader.course.content import Predict
from tui.widgets.choice_list import LETTERS
from tui.widgets.commit_card import CommitCard


class PredictCard(CommitCard):
    """One Predict question; the feedback is the right answer and its explanation."""

    KICKER = "◆ Before reading on, predict:"
    KIND = "predict"

    def __init__(self, item: str, predict: Predict, *, previous: str | None = None) -> None:
        super().__init__(item, predict.question, predict.options, {predict.answer}, previous=previous)
        self.predict = predict

    def feedback(self, chosen: list[int]) -> str:
        answer = self.predict.answer
        verdict = ("**✔ You predicted it.**" if chosen == [answer]
                   else f"**✘ Not quite — the answer is {LETTERS[answer]}: {self.predict.options[answer]}**")
        return f"{verdict}\n\n{self.predict.explanation}"
