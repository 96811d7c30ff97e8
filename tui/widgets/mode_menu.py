"""ModeMenu: the home screen's list of practice modes, with their keys and the reviews due today."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

# mode id -> (key on the home screen, name)
MODES = {
    "review": ("r", "Review"),
    "trace": ("t", "Pipeline trace"),
    "train": ("l", "Training trace"),
    "spotter": ("s", "Pitfall spotter"),
    "progress": ("p", "Progress dashboard"),
}


class ModeMenu(OptionList):
    """Enter or a click opens the highlighted mode (OptionList.OptionSelected, id `mode:NAME`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(*(Option(self._prompt(mode, 0), id=f"mode:{mode}") for mode in MODES), id=id)

    @staticmethod
    def _prompt(mode: str, due: int) -> Content:
        key, name = MODES[mode]
        detail = ("", "")
        if mode == "review":
            detail = (f" · {due} due today", "bold $text-warning") if due else (" · nothing due", "$text-success")
        return Content.assemble((f"{key}  ", "bold $text-accent"), (name, "bold"), detail)

    def show(self, due: int) -> None:
        """Refresh the review count."""
        self.replace_option_prompt("mode:review", self._prompt("review", due))
