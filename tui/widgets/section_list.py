"""SectionList: a lesson's sections, marked as read up to the furthest one reached; picking one jumps."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList

from grader.course.content import Lesson


class SectionList(OptionList):
    """`show(current, furthest)` re-marks the list; OptionSelected carries the section's index."""

    def __init__(self, lesson: Lesson, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lesson = lesson

    def show(self, current: int, furthest: int) -> None:
        prompts = []
        for index, section in enumerate(self.lesson.sections):
            mark = ("▶", "$text-accent") if index == current else (
                ("✔", "$text-success") if index <= furthest else ("·", "$text-muted"))
            question = (" ?", "$text-warning") if section.predict else ("", "")
            prompts.append(Content.assemble(mark, f" {index + 1}. ", section.title, question))
        self.set_options(prompts)
        self.highlighted = current
