"""HelpScreen (F1): the keys of the screen underneath, with what each does, and how the app works."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static

ABOUT = """\
## Forward Lab

Work through the course **in order**: each lesson prepares the quiz and the exercises after it.

* **Lessons** ask you to *predict before reading on*: commit to an answer, then the text continues.
* **Myth busters** ask whether a common belief is true before showing the reality.
* **Quizzes** give feedback on every option; retry the ones you missed at the end.
* **Exercises** grade your own `forward()` live: press **e** to edit the file in your editor
  (`$VISUAL` or `$EDITOR`, else nano), and every save is checked automatically.

* **Practice** (on the home screen): **t** pipeline trace of your own model stage by stage,
  **l** training trace on real digits, **s** pitfall spotter, **r** review of what you got wrong
  (spaced over days), **p** your progress.

Press **Ctrl+P** anywhere to jump to any lesson, quiz, exercise or mode by name.
Progress is saved as you go.
"""


class HelpScreen(ModalScreen[None]):
    """A modal listing the active bindings of `screen`, closed by Escape, F1 or q."""

    BINDINGS = [
        Binding("escape,f1,q", "dismiss", "Close help", id="help.close", tooltip="Back to where you were"),
    ]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self._under = screen

    def _bindings_table(self, screen: Screen) -> Table:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Does")
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            # Only the app's own bindings (they all have ids), not the widgets' built-in cursor keys,
            # and only those that do something here.
            if not binding.id or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            keys = ", ".join(self.app.get_key_display(binding.with_key(k)) for k in binding.key.split(","))
            text = binding.description + (f" — {binding.tooltip}" if binding.tooltip else "")
            table.add_row(keys, text)
        return table

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog") as dialog:
            dialog.border_title = "Help: the keys of this screen first, then how Forward Lab works"
            dialog.border_subtitle = "↑↓ scroll · Esc to close"
            yield Static(self._bindings_table(self._under), id="help-keys")
            yield Markdown(ABOUT, id="help-about")
