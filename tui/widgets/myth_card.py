"""MythCard: a myth buster — is this belief true? Commit yes or no, then the reality and why it matters."""

from __future__ import annotations

from grader.course.content import Myth
from tui.widgets.commit_card import CommitCard

# Every card states a myth, so "No" is always the right call; the point is to notice you believed it.
OPTIONS = ("Yes, that's true", "No, it's a myth")
MYTH = 1


class MythCard(CommitCard):
    """One Myth, answered A (true) or B (a myth) then Enter, like every other question in the app."""

    KICKER = "◆ Myth or fact? Is this true?"
    KIND = "myth"

    def __init__(self, item: str, myth: Myth, *, previous: str | None = None) -> None:
        super().__init__(item, f"> {myth.belief}", OPTIONS, {MYTH}, previous=previous)
        self.myth = myth

    def feedback(self, chosen: list[int]) -> str:
        verdict = "**✔ Right: it's a myth.**" if chosen == [MYTH] else "**✘ It's a myth — many people believe it.**"
        return f"{verdict}\n\n**Reality.** {self.myth.reality}\n\n**Why it matters.** {self.myth.why_it_matters}"
