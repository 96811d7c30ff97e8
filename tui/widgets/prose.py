"""Prose: course text as Markdown that shows identifiers literally and lets wide code scroll sideways.

Content writes `__call__` and `_call_impl` in plain prose; Markdown would read the underscores as
emphasis (a bold "call"), so `markdown_safe` marks such names as code first. A code block wider
than its panel keeps its lines whole and scrolls sideways (a scrollbar shows there is more; ← →
scroll it once it has the focus). `inline` does the same for one-line texts shown without Markdown
(options, check messages, hints): code spans styled, their backticks dropped.
"""

from __future__ import annotations

import re

from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownFence

from grader.api import code_spans

# A fenced block, or an inline code span: left exactly as written.
CODE = re.compile(r"^(`{3,}|~{3,}).*?^\1|`[^`\n]+`", re.M | re.S)
# An identifier that starts with an underscore, with any dotted prefix: nn.Module.__call__, _call_impl.
UNDERSCORED = re.compile(r"(?<![\w`])((?:[A-Za-z_]\w*\.)*_\w*)")
EXERCISE_ID = re.compile(r"\(exercise(\d+)\)")  # "(exercise6)": an internal id, as learners say it
SCROLL_STEP = 8


def markdown_safe(text: str) -> str:
    """`text` with underscored identifiers in prose marked as code and exercise ids as "Exercise N";
    code blocks and code spans are left as they are."""
    out, end = [], 0
    for match in CODE.finditer(text):
        out += [_prose(text[end:match.start()]), match.group()]
        end = match.end()
    return "".join([*out, _prose(text[end:])])


def _prose(text: str) -> str:
    return EXERCISE_ID.sub(r"(Exercise \1)", UNDERSCORED.sub(r"`\1`", text))


def inline(text: str, style: str = "") -> Content:
    """One line of text in `style`, its `code` spans in the accent colour and without their backticks."""
    return Content.assemble(*((piece, f"{style} $text-accent".strip()) if code else (piece, style)
                              for piece, code in code_spans(text)))


class CodeFence(MarkdownFence, can_focus=True):
    """A code block that keeps long lines whole: it scrolls sideways, with a scrollbar when it must."""

    DEFAULT_CSS = """
    CodeFence {
        scrollbar-size-horizontal: 1;
        &:focus { background-tint: $foreground 5%; }
    }
    """
    BINDINGS = [
        Binding("left", "scroll_code(-1)", "Code left", show=False, id="code.left"),
        Binding("right", "scroll_code(1)", "Code right", show=False, id="code.right"),
    ]

    class Resized(Message):
        """The block has a new size: whether it is wider than its panel may have changed."""

    @property
    def wide(self) -> bool:
        """True when the code is wider than the panel and scrolls sideways."""
        return self.max_scroll_x > 0

    def on_resize(self) -> None:
        self.post_message(self.Resized())

    def action_scroll_code(self, step: int) -> None:
        self.scroll_relative(x=step * SCROLL_STEP, animate=False)


class Prose(Markdown):
    """Markdown for course text: see the module docstring."""

    BLOCKS = {**Markdown.BLOCKS, "fence": CodeFence, "code_block": CodeFence}

    def __init__(self, markdown: str | None = None, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(markdown_safe(markdown) if markdown else markdown, id=id, classes=classes)

    def update(self, markdown: str) -> AwaitComplete:
        return super().update(markdown_safe(markdown))
