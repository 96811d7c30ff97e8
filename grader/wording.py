"""How the grader and the app word things for people: counts, durations and `code` in plain text.

Messages, hints and content prose mark identifiers with Markdown backticks (`__call__`); a
terminal that does not render Markdown shows them through `code_spans`, styled and without the
backticks, so that `__call__` is never read as emphasis nor printed with its backticks.
"""

from __future__ import annotations

import re

CODE_SPAN = re.compile(r"`([^`\n]+)`")


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 section', '2 sections', '1 epoch'; `many` for irregular plurals ('1 quiz', '2 quizzes')."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def duration_text(seconds: float) -> str:
    """Time spent as people say it: '1 h 05 min', '12 min', '40 s'."""
    minutes = int(seconds // 60)
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} min" if minutes else f"{int(seconds)} s"


def code_spans(text: str) -> list[tuple[str, bool]]:
    """`text` as (piece, is_code) pairs: the backticks of each `code` span dropped, the rest as written."""
    pieces: list[tuple[str, bool]] = []
    end = 0
    for match in CODE_SPAN.finditer(text):
        if match.start() > end:
            pieces.append((text[end:match.start()], False))
        pieces.append((match.group(1), True))
        end = match.end()
    if end < len(text):
        pieces.append((text[end:], False))
    return pieces
