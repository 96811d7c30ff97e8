"""`grader progress [--json]`: the dashboard's numbers on the command line."""

from __future__ import annotations

import json
from datetime import date

import pytest

from grader.cli import main
from grader.course.progress import ProgressStore
from grader.course.review import day_start


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("FORWARDLAB_DATA_DIR", str(tmp_path))
    store = ProgressStore()
    yield store
    store.close()


def fill(store: ProgressStore) -> None:
    store.record_answer("quiz", "model-pipeline/q-one", "A", True)
    store.record_answer("quiz", "model-pipeline/q-two", "B", False)
    store.record_answer("predict", "model-pipeline#overview", "A", True)
    store.record_answer("predict", "model-pipeline#overview", "B", False)  # a later answer: a retry
    store.record_check({"exercise": "exercise1", "file": "f.py", "status": "fail",
                        "checks": [{"status": "pass"}, {"status": "fail"}]})
    store.record_check({"exercise": "exercise1", "file": "f.py", "status": "pass",
                        "checks": [{"status": "pass"}, {"status": "pass"}]})
    store.add_activity("lesson:model-pipeline", 125.0)
    store.add_activity("exercise:exercise1", 600.0)
    store.set_review("quiz:model-pipeline/q-two", 1, day_start(date.today()))


def test_json_has_every_part_of_the_dashboard(store, capsys) -> None:
    fill(store)
    assert main(["progress", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["exercises_passed"] == 1 and data["exercises_total"] >= 3
    exercise1 = next(e for e in data["exercises"] if e["id"] == "exercise1")
    assert exercise1 == {**exercise1, "status": "passed", "checks_run": 2, "best": "2/2"}
    assert data["quiz_accuracy"] == [{"day": date.today().isoformat(), "answered": 2, "right": 1, "accuracy": 0.5}]
    assert data["answers"]["predict"] == {"first_try": {"answered": 1, "right": 1},
                                          "retries": {"answered": 1, "right": 0}}
    assert data["time_spent_s"] == {"total": 725.0, "exercise": 600.0, "lesson": 125.0}
    assert data["review"]["due_today"] == 1
    assert {"id", "title", "state", "sections_read", "sections"} <= set(data["lessons"][0])
    assert {"answered", "first_try_right", "retried", "fixed", "questions", "score", "state"} <= set(data["quizzes"][0])
    assert data["score"] == 1 + 1 + 10  # first tries right (a quiz answer, a prediction) and one exercise


def test_text_shows_the_same(store, capsys) -> None:
    fill(store)
    assert main(["progress"]) == 0
    text = capsys.readouterr().out
    assert "1 due today" in text and "exercises passed" in text
    assert "Quiz accuracy over time" in text and "50%" in text
    assert "12 min" in text  # 725 s in total


def test_an_empty_store_is_fine(store, capsys) -> None:
    assert main(["progress"]) == 0
    assert "0 due today" in capsys.readouterr().out
