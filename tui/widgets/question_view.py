"""QuestionView: one quiz question — prompt, code, options; feedback explains the pick and the right one."""

from __future__ import annotations

from grader.course.content import Question
from tui.widgets.choice_list import LETTERS
from tui.widgets.commit_card import CommitCard


def _prompt_markdown(question: Question) -> str:
    code = f"\n\n```python\n{question.code.rstrip()}\n```" if question.code else ""
    return question.prompt + code


class QuestionView(CommitCard):
    """A multiple-choice question with an explanation for every option."""

    KIND = "quiz"

    def __init__(self, item: str, question: Question, *, number: int, total: int) -> None:
        correct = {i for i, option in enumerate(question.options) if option.correct}
        how = "every right answer: toggle with Space or keys, then Enter" if question.multiple else "one answer"
        super().__init__(item, _prompt_markdown(question), [o.text for o in question.options], correct,
                         multiple=question.multiple, id="question",
                         kicker=f"Question {number} of {total} · {question.difficulty} · {how}")
        self.quiz_question = question

    def feedback(self, chosen: list[int]) -> str:
        right = set(chosen) == self.correct
        lines = ["**✔ Correct.**" if right else "**✘ Not quite.**", ""]
        # The learner's own picks first (why each is right or wrong), then any right answer they missed.
        for i in chosen + sorted(self.correct - set(chosen)):
            option = self.quiz_question.options[i]
            who = "You chose" if i in chosen else "Right answer"
            mark = "✔" if option.correct else "✘"
            lines.append(f"- {mark} **{who} {LETTERS[i]}** — {option.explanation}")
        return "\n".join(lines)
