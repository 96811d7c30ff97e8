"""Turn a lesson Section's structured parts into one Markdown document for the reader.

Code goes in fenced blocks (Textual's Markdown highlights them), diagrams in plain fences so their
box drawing keeps its alignment, traces as tables. Myths and the prediction are widgets, not text.
"""

from __future__ import annotations

import re

from grader.course.content import Pitfall, Section

LESSON_REF = re.compile(r"\blesson \*([a-z0-9][a-z0-9-]*)\*")  # "lesson *hooks-and-call*": an id in prose


def name_lessons(markdown: str, titles: dict[str, str]) -> str:
    """Lesson ids the prose refers to ("lesson *hooks-and-call*") as learners know them: by title."""
    def title(match: re.Match[str]) -> str:
        known = titles.get(match.group(1))
        return f"the lesson *{known}*" if known else match.group()

    return LESSON_REF.sub(title, markdown)


def _fence(code: str, language: str = "") -> str:
    return f"```{language}\n{code.rstrip()}\n```"


def _pitfall(pitfall: Pitfall) -> str:
    return "\n\n".join([
        f"### ⚠ {pitfall.title}",
        f"**Wrong** (the bug is on line {pitfall.bug_line}):",
        _fence(pitfall.wrong_code, "python"),
        "**Right:**",
        _fence(pitfall.correct_code, "python"),
        f"**Why:** {pitfall.root_cause}",
    ])


def section_markdown(section: Section) -> str:
    parts = [section.body] if section.body.strip() else []
    if section.diagram:
        parts.append(_fence(section.diagram, "text"))
    parts += [_fence(block.code, block.language) for block in section.code]
    if section.pipeline:
        rows = [f"| {s.stage} | {s.name} | `{s.input_shape}` | `{s.output_shape}` | {s.description} |"
                for s in section.pipeline]
        parts.append("\n".join(["| # | stage | input | output | what happens |",
                                "|---|---|---|---|---|", *rows]))
    if section.training:
        rows = [f"| {e.epoch} | {e.loss:.4f} | {e.accuracy:.1%} | {e.observation} |" for e in section.training]
        parts.append("\n".join(["| epoch | loss | accuracy | what to notice |", "|---|---|---|---|", *rows]))
    parts += [_pitfall(p) for p in section.pitfalls]
    if section.takeaways:
        parts.append("### Key takeaways\n\n" + "\n".join(f"- {t}" for t in section.takeaways))
    if section.connections:
        parts.append("### Connections\n\n" + "\n".join(f"- {c}" for c in section.connections))
    return "\n\n".join(parts)
