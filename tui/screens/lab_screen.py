"""LabScreen: the base of every Forward Lab screen (typed app access, "back", time-spent tracking)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from tui.app import ForwardLabApp


class LabScreen(Screen[None]):
    """A full screen of the app. Escape goes back; time on an item is recorded when the screen closes.

    F1 is bound here, not only on the app, so that it comes first in every footer and is never cut off.
    """

    BINDINGS = [
        Binding("f1", "app.help", "Help", id="screen.help", tooltip="Keys for this screen and how Forward Lab works"),
        Binding("escape", "back", "Back", id="screen.back", tooltip="Back to the course outline"),
    ]

    def __init__(self, activity_item: str | None = None) -> None:
        super().__init__()
        self.activity_item = activity_item
        self._opened = time.monotonic()

    @property
    def lab(self) -> ForwardLabApp:
        return cast("ForwardLabApp", self.app)

    def action_back(self) -> None:
        self.dismiss()

    def on_unmount(self) -> None:
        if self.activity_item:
            self.lab.store.add_activity(self.activity_item, time.monotonic() - self._opened)
