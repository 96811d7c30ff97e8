"""Hanging: a prefix and a body whose wrapped lines stay indented under the body, not under the prefix.

Option lists (the course outline, a lesson's sections) wrap long titles on a narrow terminal; with a
hanging indent the marks and the tree's indentation stay readable.
"""

from __future__ import annotations

from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

MIN_BODY = 12  # columns: below this the body is folded rather than squeezed further


class Hanging(Visual):
    """`prefix` then `body`; lines after the first start under the body's first character."""

    def __init__(self, prefix: Content, body: Content) -> None:
        self.prefix = prefix
        self.body = body

    def __str__(self) -> str:
        return self.prefix.plain + self.body.plain

    def _lines(self, width: int) -> Content:
        indent = self.prefix.cell_length
        lines = self.body.wrap(max(MIN_BODY, width - indent)) or [Content("")]
        pad = Content(" " * indent)
        return Content("\n").join([self.prefix + lines[0], *(pad + line for line in lines[1:])])

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        return self._lines(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.prefix.cell_length + self.body.cell_length

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self._lines(width).split("\n"))
