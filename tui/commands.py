"""CourseCommands: the command palette (Ctrl+P) lists every lesson, quiz and exercise to jump to."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from grader.course.outline import OutlineItem, build_outline
from tui.widgets.course_outline import item_label

if TYPE_CHECKING:
    from tui.app import ForwardLabApp


class CourseCommands(Provider):
    """One command per outline item, labelled with its kind and progress."""

    def _items(self) -> list[OutlineItem]:
        app = cast("ForwardLabApp", self.app)
        return build_outline(app.course, app.store)

    def _open(self, item: OutlineItem) -> Callable[[], None]:
        app = cast("ForwardLabApp", self.app)
        return partial(app.open_item, item.kind, item.id)


    async def discover(self) -> Hits:
        for item in self._items():
            yield DiscoveryHit(item_label(item), self._open(item), help=item.detail)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for item in self._items():
            label = item_label(item)
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), self._open(item), text=label, help=item.detail)
