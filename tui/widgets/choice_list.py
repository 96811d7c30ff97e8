"""ChoiceList: answer options picked with 1-6 / A-F, arrows and Space, or the mouse; Enter commits.

Shared by quiz questions, "predict before reading on" questions and true-or-myth cards, so every
question in the app is answered with the same keys. Only an explicit pick counts: Enter with nothing
picked commits nothing (the highlighted option is not an answer), it says how to pick. After
`reveal`, options show right and wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList

from tui.widgets.prose import inline

LETTERS = "ABCDEF"


class ChoiceList(OptionList):
    """Single-answer: a key picks an option. Multiple-answer: keys and Space toggle. Enter commits."""

    BINDINGS = [
        Binding("enter", "submit", "Commit", id="choice.submit", tooltip="Lock in your answer"),
        Binding("space", "pick", "Toggle", show=False, id="choice.toggle"),
        *(Binding(f"{i + 1},{LETTERS[i].lower()}", f"pick({i})", f"Option {LETTERS[i]}", show=False,
                  id=f"choice.pick{i + 1}") for i in range(len(LETTERS))),
    ]

    class Submitted(Message):
        """The learner committed to `chosen` (option indices, sorted)."""

        def __init__(self, choice_list: ChoiceList, chosen: list[int]) -> None:
            super().__init__()
            self.choice_list = choice_list
            self.chosen = chosen

        @property
        def control(self) -> ChoiceList:
            return self.choice_list

    def __init__(self, options: Sequence[str], *, multiple: bool = False, id: str | None = None) -> None:
        self.texts = list(options)
        self.multiple = multiple
        self.chosen: set[int] = set()
        self.correct: set[int] | None = None  # set by reveal(); the list is locked from then on
        super().__init__(*(self._prompt(i) for i in range(len(self.texts))), id=id, classes="choices")

    @property
    def locked(self) -> bool:
        return self.correct is not None

    def _prompt(self, index: int) -> Content:
        if self.correct is not None:
            mark = ("✔", "$text-success") if index in self.correct else (
                ("✘", "$text-error") if index in self.chosen else (" ", ""))
        elif self.multiple:
            mark = ("☑" if index in self.chosen else "☐", "bold")
        else:
            mark = ("●" if index in self.chosen else "○", "bold")
        return Content.assemble(mark, " ", (f"{LETTERS[index]}  ", "bold"), inline(self.texts[index]))

    def _refresh_prompts(self) -> None:
        for index in range(len(self.texts)):
            self.replace_option_prompt_at_index(index, self._prompt(index))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Once locked, Enter and the option keys fall through to the screen (e.g. "next question").
        if self.locked and action in ("submit", "pick"):
            return False
        # Keys past the last option do nothing here (and F1's help does not list them).
        return not (action == "pick" and parameters and int(parameters[0]) >= len(self.texts))  # type: ignore[call-overload]

    def action_pick(self, index: int | None = None) -> None:
        index = self.highlighted if index is None else index
        if self.locked or index is None or index >= len(self.texts):
            return
        self.highlighted = index
        if self.multiple:
            self.chosen ^= {index}
        else:
            self.chosen = {index}
        self._refresh_prompts()

    def action_select(self) -> None:
        # OptionList calls this on a mouse click: a click picks, like a key does.
        self.action_pick()

    def action_submit(self) -> None:
        if not self.chosen:
            last = LETTERS[len(self.texts) - 1]
            what = "every right answer" if self.multiple else "an option"
            self.notify(f"Nothing chosen yet. Pick {what} with its letter (A-{last}) or number (1-{len(self.texts)}),"
                        f" or with ↑↓ and Space; then press Enter.", title="Choose first", severity="warning")
            return
        self._refresh_prompts()
        self.post_message(self.Submitted(self, sorted(self.chosen)))

    def reveal(self, correct: set[int]) -> None:
        """Lock the list and mark the right options (✔) and the learner's wrong picks (✘)."""
        self.correct = set(correct)
        self._refresh_prompts()
