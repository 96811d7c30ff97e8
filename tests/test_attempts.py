"""First tries and retries (grader.course.attempts) and the recorded option order, in the progress store."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from grader.course.attempts import Score, histories, order_text, parse_order, score, shuffled
from grader.course.progress import ProgressStore


def test_first_try_and_retries_are_counted_apart(store: ProgressStore) -> None:
    store.record_answer("quiz", "q/a", "A", True)
    store.record_answer("quiz", "q/b", "B", False)
    store.record_answer("quiz", "q/c", "C", False)
    store.record_answer("quiz", "q/b", "A", True, "1,0,2")  # b retried and fixed
    store.record_answer("quiz", "q/a", "B", False)  # a retake that went wrong: a's first try stays right
    result = score(["q/a", "q/b", "q/c", "q/d"], histories(store.answers("quiz")))
    assert result == Score(questions=4, answered=3, first_right=1, retried=1, fixed=1)
    assert result.text() == "first try 1/4 · 1 of 2 fixed on retry"
    assert Score(questions=5, answered=0, first_right=0, retried=0, fixed=0).text() == "5 questions"
    assert Score(questions=5, answered=2, first_right=1, retried=0, fixed=0).text() == "first try 1/5"


def test_the_order_shown_is_recorded_with_the_answer(store: ProgressStore) -> None:
    order = shuffled(4, random.Random(1))
    store.record_answer("predict", "lesson#s", "C", True, order_text(order))
    answer = store.answers("predict")[0]
    assert (answer.answer, answer.correct, parse_order(answer.shown, 4)) == ("C", True, order)


@pytest.mark.parametrize(("text", "n", "expected"), [
    ("2,0,1", 3, [2, 0, 1]), ("", 3, None), ("0,1", 3, None), ("0,0,1", 3, None), ("a,b", 2, None)])
def test_parse_order_accepts_only_an_order_of_all_options(text: str, n: int, expected: list[int] | None) -> None:
    assert parse_order(text, n) == expected


def test_shuffles_differ_between_attempts() -> None:
    rng = random.Random(0)
    orders = {tuple(shuffled(4, rng)) for _ in range(20)}
    assert len(orders) > 5 and all(sorted(o) == [0, 1, 2, 3] for o in orders)


def test_a_store_from_before_shuffling_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, item TEXT NOT NULL, "
                   "answer TEXT NOT NULL, correct INTEGER NOT NULL, at REAL NOT NULL)")
        db.execute("INSERT INTO answers(kind, item, answer, correct, at) VALUES ('quiz', 'q/a', 'A', 1, 1.0)")
    store = ProgressStore(path)
    try:
        assert store.notice is None
        store.record_answer("quiz", "q/a", "B", False, "1,0")
        assert [(a.answer, a.shown) for a in store.answers()] == [("A", ""), ("B", "1,0")]
    finally:
        store.close()
