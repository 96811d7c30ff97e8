"""QuestionView: one quiz question — prompt, code, options; feedback explains every option."""

from __future__ import annotations

from collections.abc import Sequence

from grader.course.content import Question
from tui.widgets.commit_card import CommitCard


def _prompt_markdown(question: Question) -> str:
    code = f"\n\n```python\n{question.code.rstrip()}\n```" if question.code else ""
    return question.prompt + code


class QuestionView(CommitCard):
    """A multiple-choice question with an explanation for every option, shown in `order`."""

    KIND = "quiz"

    def __init__(self, item: str, question: Question, *, number: int, total: int,
                 order: Sequence[int] | None = None) -> None:
        correct = {i for i, option in enumerate(question.options) if option.correct}
        how = "every right answer: toggle with Space or keys, then Enter" if question.multiple else "one answer"
        super().__init__(item, _prompt_markdown(question), [o.text for o in question.options], correct,
                         multiple=question.multiple, id="question", order=order,
                         kicker=f"Question {number} of {total} · {question.difficulty} · {how}")
        self.quiz_question = question

    def feedback(self, chosen: list[int]) -> str:
        verdict = "**✔ Correct.**" if set(chosen) == self.correct else "**✘ Not quite.**"
        return "\n".join([verdict, "", *self.option_notes(chosen, [o.explanation for o in self.quiz_question.options])])
