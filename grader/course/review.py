"""Review scheduling with Leitner boxes: what the learner got wrong comes back, spaced out over days.

An item enters box 1 when it is answered wrong (a quiz question, a prediction, a myth, a spotter
snippet) or failed (an exercise check), due the next day. Answered right on or after its due day,
it moves up one box and comes back after that box's interval: 1, 2, 4, 8, then 16 days; right in
the last box, it is retired. Wrong again at any time, it goes back to box 1. A right answer before
the due day changes nothing: the schedule is about remembering, not about the retry a minute later.

The progress store calls `reschedule` on every answer and every check (grader.course.progress), so every
way of answering (the TUI, `grader check`, `grader watch`) feeds the same schedule. Items are keyed
`kind:item` as the store records answers: quiz:QUIZ/QUESTION, predict:LESSON#SECTION,
myth:LESSON#MYTH, spotter:SPOTTER/SNIPPET, exercise:exerciseN.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.course.progress import ProgressStore

INTERVALS = (1, 2, 4, 8, 16)  # days until the next review, for boxes 1 to 5
RETIRED = len(INTERVALS) + 1  # the box of items answered right in the last box: never due again
KINDS = ("quiz", "predict", "myth", "spotter", "exercise")


def day_start(day: date) -> float:
    """Local midnight at the start of `day`, as a timestamp: items fall due at the start of a day."""
    return time.mktime(day.timetuple())


def reschedule(current: tuple[int, float] | None, correct: bool, today: date) -> tuple[int, float] | None:
    """The new (box, due timestamp) of an item after an answer on `today`, or None for no change.

    `current` is the item's (box, due) or None when it is not scheduled.
    """
    if not correct:
        return 1, day_start(today + timedelta(days=INTERVALS[0]))
    if current is None:
        return None
    box, due = current
    if box >= RETIRED or date.fromtimestamp(due) > today:
        return None
    if box >= len(INTERVALS):
        return RETIRED, day_start(today)
    return box + 1, day_start(today + timedelta(days=INTERVALS[box]))


def is_due(box: int, due: float, today: date) -> bool:
    return box < RETIRED and date.fromtimestamp(due) <= today


@dataclass(frozen=True)
class Outlook:
    """The schedule at a glance: due now, waiting for a later day (the next one), retired."""

    due: list[str]
    waiting: int
    next_due: date | None
    retired: int


def outlook(store: ProgressStore, today: date | None = None) -> Outlook:
    """Due items (oldest due first), and what waits. Items of unknown kinds are left out."""
    today = today or date.today()
    items = {k: v for k, v in store.review_items().items() if k.partition(":")[0] in KINDS}
    due = sorted((k for k, (box, at) in items.items() if is_due(box, at, today)), key=lambda k: (items[k][1], k))
    later = [date.fromtimestamp(at) for box, at in items.values() if box < RETIRED and not is_due(box, at, today)]
    return Outlook(due, len(later), min(later, default=None), sum(box >= RETIRED for box, _ in items.values()))
