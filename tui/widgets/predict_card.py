"""PredictCard: "predict before reading on" — the section continues only after the learner commits."""

from __future__ import annotations

from collections.abc import Sequence

from grader.course.content import Predict
from tui.widgets.commit_card import CommitCard


class PredictCard(CommitCard):
    """One Predict question; the feedback explains every option, then what the section shows."""

    KICKER = "◆ Before reading on, predict:"
    KIND = "predict"

    def __init__(self, item: str, predict: Predict, *, previous: str | None = None,
                 order: Sequence[int] | None = None) -> None:
        super().__init__(item, predict.question, [o.text for o in predict.options], {predict.answer},
                         previous=previous, order=order)
        self.predict = predict

    def feedback(self, chosen: list[int]) -> str:
        answer = self.predict.answer
        verdict = ("**✔ You predicted it.**" if chosen == [answer]
                   else f"**✘ Not quite — the answer is {self.letter(answer)}: {self.predict.options[answer].text}**")
        notes = self.option_notes(chosen, [o.explanation for o in self.predict.options])
        return "\n".join([verdict, "", *notes, "", self.predict.explanation])
