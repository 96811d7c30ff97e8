"""First tries and retries, and the shuffled order a question's options are shown in.

A question's first try is the first answer ever recorded for it; every later answer (the "retry the
ones I missed" round, taking the quiz again, the review queue) is a retry. Scores keep the two apart,
so a quiz retried until everything is right still shows how it went the first time.

Options are shown in a new random order on every attempt. The order is recorded with the answer
(`ProgressStore.record_answer(..., shown=order_text(order))`), and answers always name options by
their place in the content, so an answer means the same whatever order it was given in.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from grader.course.progress import Answer


@dataclass(frozen=True)
class Score:
    """How a set of questions went: first tries, and the retries of the ones missed first."""

    questions: int
    answered: int  # questions with a first try
    first_right: int  # right at the first try
    retried: int  # missed at the first try, answered again since
    fixed: int  # of those, right at the latest answer

    def text(self) -> str:
        """'first try 7/12 · 3 of 5 fixed on retry' (the retry part once a missed one was retried), or
        how many questions there are."""
        if not self.answered:
            return f"{self.questions} questions"
        text = f"first try {self.first_right}/{self.questions}"
        if self.retried:
            text += f" · {self.fixed} of {self.answered - self.first_right} fixed on retry"
        return text


@dataclass(frozen=True)
class History:
    """One item's answers: the first, the latest, how many."""

    first: Answer
    latest: Answer
    count: int


def histories(answers: Iterable[Answer]) -> dict[str, History]:
    """item -> its History, from answers in the order they were given (ProgressStore.answers)."""
    out: dict[str, History] = {}
    for answer in answers:
        seen = out.get(answer.item)
        out[answer.item] = History(seen.first, answer, seen.count + 1) if seen else History(answer, answer, 1)
    return out


def score(items: Sequence[str], history: dict[str, History]) -> Score:
    """The Score of the questions `items` (progress-store items), given every item's History."""
    known = [history[item] for item in items if item in history]
    retried = [h for h in known if not h.first.correct and h.count > 1]
    return Score(questions=len(items), answered=len(known), first_right=sum(h.first.correct for h in known),
                 retried=len(retried), fixed=sum(h.latest.correct for h in retried))


def shuffled(n: int, rng: random.Random) -> list[int]:
    """A random order of n options: position i shows the content's option order[i]."""
    order = list(range(n))
    rng.shuffle(order)
    return order


def order_text(order: Sequence[int]) -> str:
    """[2, 0, 1] -> "2,0,1", as the progress store records it."""
    return ",".join(map(str, order))


def parse_order(text: str, n: int) -> list[int] | None:
    """The order recorded by `order_text`, or None unless it is an order of exactly n options."""
    try:
        order = [int(part) for part in text.split(",")] if text else []
    except ValueError:
        return None
    return order if sorted(order) == list(range(n)) else None
