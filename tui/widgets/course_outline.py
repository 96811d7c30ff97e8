"""CourseOutline: every lesson, quiz and exercise in course order, with a status mark and progress."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from grader.course.outline import OutlineItem
from tui.widgets.hanging import Hanging

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


def short_title(item: OutlineItem) -> str:
    """The title without a leading "Quiz: " where the kind is shown beside it anyway."""
    prefix = f"{KIND_LABELS[item.kind]}: "
    return item.title[len(prefix):] if item.title.lower().startswith(prefix.lower()) else item.title


def item_label(item: OutlineItem) -> str:
    """"Quiz: hooks and __call__", "Lesson: The forward pass": the kind named once."""
    return f"{KIND_LABELS[item.kind]}: {short_title(item)}"


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
    def _prompt(item: OutlineItem) -> Hanging:
        mark, style = STATE_MARKS[item.state]
        indent = "  " * item.depth
        prefix = Content.assemble(indent, (mark, style), " ", (f"{KIND_LABELS[item.kind]:<7}", "$text-muted"))
        return Hanging(prefix, Content.assemble((short_title(item), "bold" if item.depth == 0 else ""),
                                                ("  · " + item.detail, "$text-muted")))
