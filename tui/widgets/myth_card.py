"""MythCard: true or myth? Commit to whether a belief is true, then the reality and why it matters."""

from __future__ import annotations

from grader.course.content import Myth
from tui.widgets.commit_card import CommitCard

OPTIONS = ("Yes, that's true", "No, it's a myth")
TRUE, MYTH = 0, 1


class MythCard(CommitCard):
    """One Myth card, answered A (true) or B (a myth) then Enter; its `verdict` says which is right."""

    KICKER = "◆ True or myth? Is this belief true?"
    KIND = "myth"

    def __init__(self, item: str, myth: Myth, *, previous: str | None = None) -> None:
        super().__init__(item, f"> {myth.belief}", OPTIONS, {MYTH if myth.verdict == "myth" else TRUE},
                         previous=previous)
        self.myth = myth

    def feedback(self, chosen: list[int]) -> str:
        what = "a myth" if self.myth.verdict == "myth" else "true"
        verdict = f"**✔ Right: it's {what}.**" if set(chosen) == self.correct else f"**✘ Not quite: it's {what}.**"
        return f"{verdict}\n\n**Reality.** {self.myth.reality}\n\n**Why it matters.** {self.myth.why_it_matters}"
