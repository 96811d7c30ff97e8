"""CourseOutline: every lesson, quiz and exercise in course order, with a status mark and progress."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from grader.course.outline import OutlineItem

# Mark and colour per state; the detail text repeats the state in words for colour-blind learners.
STATE_MARKS = {
    "done": ("✔", "$text-success"),
    "started": ("◐", "$text-warning"),
    "failed": ("✘", "$text-error"),
    "new": ("○", "$text-muted"),
}
KIND_LABELS = {"lesson": "Lesson", "quiz": "Quiz", "exercise": "Code"}


def option_id(item: OutlineItem) -> str:
    return f"{item.kind}:{item.id}"


class CourseOutline(OptionList):
    """Enter or a click opens the highlighted item (OptionList.OptionSelected, id `kind:id`)."""

    def show(self, outline: list[OutlineItem], default: OutlineItem | None = None) -> None:
        """Replace the items, keeping the highlighted one, or else highlighting `default`."""
        current = self.highlighted_option.id if self.highlighted_option else None
        keep = current or (option_id(default) if default else None)
        ids = [option_id(item) for item in outline]
        self.set_options(Option(self._prompt(item), id=option_id(item)) for item in outline)
        self.highlighted = ids.index(keep) if keep in ids else 0

    @staticmethod
    def _prompt(item: OutlineItem) -> Content:
        mark, style = STATE_MARKS[item.state]
        indent = "    " * item.depth
        return Content.assemble(
            indent, (mark, style), " ", (f"{KIND_LABELS[item.kind]:<7}", "$text-muted"),
            (item.title, "bold" if item.depth == 0 else ""), ("  · " + item.detail, "$text-muted"),
        )
