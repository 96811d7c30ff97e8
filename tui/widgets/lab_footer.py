"""LabFooter: the footer of every screen, compact on a narrow terminal so that its keys fit."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

NARROW = 100  # columns; below this the footer goes compact (and the screens fold their sidebars)


class LabFooter(Footer):
    """A Footer that turns compact below NARROW columns and leaves out the Ctrl+P key there (F1's
    help names it). F1 itself comes first on every screen (LabScreen binds it)."""

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW
        if narrow != self.compact:
            self.compact = narrow
            self.show_command_palette = not narrow
            self.refresh(recompose=True)
