"""Course text shown as written: identifiers are never read as Markdown emphasis, internal ids never
shown, code spans styled without their backticks; and the editor `e` opens is named."""

from __future__ import annotations

import pytest

from tui.lesson_markdown import name_lessons
from tui.screens.exercise_screen import editor_command
from tui.widgets.prose import inline, markdown_safe


@pytest.mark.parametrize(("text", "expected"), [
    ("model(x) runs __call__, then forward", "model(x) runs `__call__`, then forward"),
    ("nn.Module.__call__ calls _call_impl", "`nn.Module.__call__` calls `_call_impl`"),
    ("type(model).__call__ runs", "type(model).`__call__` runs"),
    ("already `__init__` here, and snake_case too", "already `__init__` here, and snake_case too"),
    ("**bold** stays bold", "**bold** stays bold"),
    ("it never fires (exercise6).", "it never fires (Exercise 6)."),
    ("```python\ndef __init__(self):\n    pass\n```", "```python\ndef __init__(self):\n    pass\n```"),
])
def test_markdown_safe_marks_underscored_names_as_code(text: str, expected: str) -> None:
    assert markdown_safe(text) == expected


def test_inline_drops_the_backticks_of_code_spans() -> None:
    content = inline("call `self.fc1(x)`, not `self.fc1.forward(x)`")
    assert content.plain == "call self.fc1(x), not self.fc1.forward(x)"
    assert [content.plain[span.start:span.end] for span in content.spans] == ["self.fc1(x)", "self.fc1.forward(x)"]


@pytest.mark.parametrize(("env", "installed", "expected"), [
    ({"VISUAL": "code -w", "EDITOR": "vim"}, {"nano"}, (["code", "-w"], "$VISUAL")),
    ({"EDITOR": "vim"}, {"nano"}, (["vim"], "$EDITOR")),
    ({}, {"nano"}, (["nano"], None)),
    ({}, set(), (["vi"], None)),
])
def test_the_editor_falls_back_to_a_friendly_one(monkeypatch, env, installed, expected) -> None:
    for name in ("VISUAL", "EDITOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("tui.screens.exercise_screen.shutil.which", lambda name: name if name in installed else None)
    assert editor_command() == expected


def test_lesson_ids_in_prose_are_named_by_title() -> None:
    titles = {"hooks-and-call": "Hooks and __call__"}
    assert name_lessons("runs it for us (lesson *hooks-and-call* explains why)", titles) == \
        "runs it for us (the lesson *Hooks and __call__* explains why)"
    assert name_lessons("see lesson *unknown-id*", titles) == "see lesson *unknown-id*"
