"""Fuzz: however a valid content file is mangled, load_course reports problems and never raises."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.course.content import default_content_dir, load_course

SHIPPED = ["lessons/04-batching-and-shapes.yaml", "quizzes/hooks-and-call.yaml", "spotters/forward-method.yaml",
           "exercises/exercise7.yaml"]
SOURCES = [(default_content_dir() / name).read_text("utf-8") for name in SHIPPED]
KEYS = ["id", "kind", "title", "sections", "options", "answer", "bug_line", "correct", "lesson", "hints",
        "questions", "covers", "pitfall", "snippets", "order", "predict", "xx", "", "- id"]
NOISE = st.text(alphabet=":-[]{}#&*!|>'\"\n\t ?%@`,0123456789abcyes\\\xff\u00e9", max_size=12)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 5))):
        n = len(text)
        op = draw(st.sampled_from(["delete", "insert", "swap", "rename"]))
        i = draw(st.integers(0, n))
        if op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 20)):]
        elif op == "insert":
            text = text[:i] + draw(NOISE) + text[i:]
        elif op == "swap" and n > 1:
            j = draw(st.integers(0, n - 1))
            i = min(i, n - 1)
            chars = list(text)
            chars[i], chars[j] = chars[j], chars[i]
            text = "".join(chars)
        elif op == "rename":
            keys = list(re.finditer(r"^\s*-?\s*([a-z_]+):", text, re.M))
            if keys:
                m = draw(st.sampled_from(keys))
                text = text[:m.start(1)] + draw(st.sampled_from(KEYS)) + text[m.end(1):]
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.booleans())
def test_mangled_file_never_crashes_the_loader(text: str, as_bytes: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lessons" / "fuzzed.yaml"
        path.parent.mkdir()
        if as_bytes:  # also try the bytes that are not valid UTF-8 once encoded with surrogates
            path.write_bytes(text.encode("latin-1", errors="replace"))
        else:
            path.write_text(text, encoding="utf-8")
        course = load_course([Path(tmp)])
    for problem in course.problems:
        assert problem.line >= 1
        assert str(problem).startswith(str(path) + ":")
    assert len(course.lessons) + len(course.quizzes) + len(course.spotters) + len(course.exercises) <= 1
