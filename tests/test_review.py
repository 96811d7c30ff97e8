"""The review schedule: Leitner boxes over days, fed by every wrong answer and failed check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grader.course.progress import ProgressStore
from grader.course.review import INTERVALS, RETIRED, day_start, is_due, outlook, reschedule

TODAY = date(2026, 3, 2)


def days(n: int) -> float:
    return day_start(TODAY + timedelta(days=n))


def test_a_wrong_answer_comes_back_tomorrow_in_box_one() -> None:
    assert reschedule(None, False, TODAY) == (1, days(1))
    assert reschedule((4, days(5)), False, TODAY) == (1, days(1))  # wrong again: back to the start


def test_a_right_answer_to_an_unscheduled_or_not_yet_due_item_changes_nothing() -> None:
    assert reschedule(None, True, TODAY) is None
    assert reschedule((1, days(1)), True, TODAY) is None  # the retry a minute later is not a review


def test_right_answers_on_due_days_space_the_item_out_then_retire_it() -> None:
    state, today, seen = reschedule(None, False, TODAY), TODAY, []
    while state[0] < RETIRED:
        today = date.fromtimestamp(state[1])  # come back exactly when it is due
        seen.append((today - TODAY).days)
        state = reschedule(state, True, today)
    assert seen == [1, 3, 7, 15, 31]  # gaps of 1, 2, 4, 8 and 16 days
    assert [b - a for a, b in zip([0, *seen], seen, strict=False)] == list(INTERVALS)
    assert reschedule(state, True, today + timedelta(days=100)) is None  # retired for good


def test_a_late_review_counts_from_the_day_it_is_done() -> None:
    assert reschedule((2, days(0)), True, TODAY + timedelta(days=10)) == (3, days(10 + INTERVALS[2]))


@pytest.mark.parametrize("box, due, expected", [(1, 0, True), (1, -3, True), (1, 1, False), (RETIRED, -1, False)])
def test_due_means_on_or_after_the_due_day(box, due, expected) -> None:
    assert is_due(box, days(due), TODAY) is expected


@pytest.fixture
def store(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3")
    yield store
    store.close()


def test_the_store_schedules_wrong_answers_and_failed_checks(store) -> None:
    store.record_answer("quiz", "forward-pass/q1", "B", False)
    store.record_answer("quiz", "forward-pass/q2", "A", True)
    store.record_answer("myth", "forward-method#call-forward", "A", False)
    store.record_answer("spotter", "forward-method-spotter/direct-forward", "2", False)
    store.record_check({"exercise": "exercise2", "file": "f.py", "status": "fail", "checks": []})
    store.record_check({"exercise": "exercise3", "file": "f.py", "status": "not-started", "checks": []})
    store.record_answer("note", "something", "x", False)  # not a kind that can be re-asked
    assert set(store.review_items()) == {"quiz:forward-pass/q1", "myth:forward-method#call-forward",
                                         "spotter:forward-method-spotter/direct-forward", "exercise:exercise2"}
    today = date.today()
    assert outlook(store, today).due == []
    tomorrow = outlook(store, today + timedelta(days=1))
    assert len(tomorrow.due) == 4 and tomorrow.waiting == 0


def test_answering_a_due_item_right_moves_it_on(store) -> None:
    store.set_review("quiz:forward-pass/q1", 1, day_start(date.today()))
    store.set_review("exercise:exercise2", 2, day_start(date.today() - timedelta(days=3)))
    assert outlook(store).due == ["exercise:exercise2", "quiz:forward-pass/q1"]  # the oldest first
    store.record_answer("quiz", "forward-pass/q1", "A", True)
    store.record_check({"exercise": "exercise2", "file": "f.py", "status": "pass", "checks": []})
    now = outlook(store)
    assert now.due == [] and now.waiting == 2
    assert now.next_due == date.today() + timedelta(days=INTERVALS[1])
    assert store.review_items()["exercise:exercise2"][0] == 3
