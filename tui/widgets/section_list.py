"""SectionList: a lesson's sections, each marked read (✔) or not (·), the current one ▶; picking one jumps."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList

from grader.course.content import Lesson
from tui.widgets.hanging import Hanging


class SectionList(OptionList):
    """`show(current, read)` re-marks the list; OptionSelected carries the section's index."""

    def __init__(self, lesson: Lesson, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lesson = lesson

    def show(self, current: int, read: frozenset[int]) -> None:
        prompts = []
        for index, section in enumerate(self.lesson.sections):
            mark = ("▶", "$text-accent") if index == current else (
                ("✔", "$text-success") if index in read else ("·", "$text-muted"))
            prompts.append(Hanging(Content.assemble(mark, f" {index + 1}. "), Content(section.title)))
        self.set_options(prompts)
        self.highlighted = current
