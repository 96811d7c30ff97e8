"""Snapshot tests of every screen (pytest-textual-snapshot) at 80x24 and at 120x40, on the small fixture pack.

Deterministic by construction: a fresh store per test, history seeded at fixed dates (never "today"),
the check time pinned, canned traces and training runs from the fake worker, no spinner on screen.
Regenerate with `pytest tests/test_tui_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from tui_support import make_modes_app, make_report, settle, write_content

from grader.course.progress import ProgressStore
from tui.app import ForwardLabApp
from tui.screens import exercise_screen

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
DAY_1, DAY_2 = datetime(2024, 3, 1, 10, 0).timestamp(), datetime(2024, 3, 2, 10, 0).timestamp()
FAR = datetime(2099, 1, 1).timestamp()


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return SIZES[request.param]


@pytest.fixture
def app(workspace: Path, store: ProgressStore, modes_content: Path, monkeypatch: pytest.MonkeyPatch) -> ForwardLabApp:
    monkeypatch.setattr(exercise_screen, "stamp", lambda at: "at 10:00")  # a check's time of day, pinned
    return make_modes_app(store, modes_content)[0]


def seed_history(store: ProgressStore) -> None:
    """Two days of answers, a check and time spent, in March 2024; one review due, one due in 2099."""
    answers = [("quiz", "forward-quiz/main-job", "B", 0, DAY_1), ("quiz", "forward-quiz/main-job", "A", 1, DAY_2),
               ("quiz", "forward-quiz/linear-parts", "A,B", 1, DAY_2), ("spotter", "forward-spotter/direct-forward",
                                                                        "2", 0, DAY_2)]
    with store.transaction() as db:
        db.executemany("INSERT INTO answers(kind, item, answer, correct, at) VALUES (?,?,?,?,?)", answers)
        report = make_report("fail").to_dict()
        db.execute("INSERT INTO checks(exercise, file, status, passed, total, duration_s, report, at) "
                   "VALUES (?,?,?,?,?,?,?,?)",
                   ("exercise1", report["file"], "fail", 2, 5, 0.12, json.dumps(report), DAY_2))
        db.executemany("INSERT INTO activity(item, seconds, at) VALUES (?,?,?)",
                       [("lesson:forward-basics", 600, DAY_1), ("quiz:forward-quiz", 240, DAY_2)])
        db.executemany("INSERT INTO review(item, box, due, at) VALUES (?,?,?,?)",
                       [("spotter:forward-spotter/direct-forward", 1, DAY_2, DAY_2),
                        ("quiz:forward-quiz/main-job", 2, FAR, DAY_2)])


def test_home(app: ForwardLabApp, size, snap_compare) -> None:
    assert snap_compare(app, terminal_size=size)


def test_home_with_content_problems(workspace: Path, store: ProgressStore, snap_compare) -> None:
    content = write_content(workspace / "broken-pack", broken=True)
    app = make_modes_app(store, content)[0]
    assert snap_compare(app, terminal_size=SIZES["80x24"])


def test_lesson_prediction(app: ForwardLabApp, size, snap_compare) -> None:
    assert snap_compare(app, terminal_size=size, press=["enter", "n"])


def test_lesson_sections_drawer(app: ForwardLabApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZES["80x24"], press=["enter", "s"])


def test_lesson_myth_revealed(app: ForwardLabApp, size, snap_compare) -> None:
    assert snap_compare(app, terminal_size=size, press=["enter", "s", "end", "enter", "b", "enter"])


def test_quiz_feedback(app: ForwardLabApp, size, snap_compare) -> None:
    assert snap_compare(app, terminal_size=size, press=["down", "enter", "2", "enter"])


def test_exercise_failing_report(app: ForwardLabApp, size, snap_compare) -> None:
    async def check(pilot) -> None:
        await pilot.press("down", "down", "enter")
        await settle(pilot.app, pilot)
        await pilot.press("h", "c")
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=check)


def test_trace(app: ForwardLabApp, size, snap_compare) -> None:
    async def trace(pilot) -> None:
        await pilot.press("t")
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=trace)


def test_train(app: ForwardLabApp, size, snap_compare) -> None:
    async def train(pilot) -> None:
        await pilot.press("l", "t")
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=train)


def test_spotter(app: ForwardLabApp, size, snap_compare) -> None:
    assert snap_compare(app, terminal_size=size, press=["s", "2", "enter"])


def test_review(app: ForwardLabApp, store: ProgressStore, size, snap_compare) -> None:
    seed_history(store)
    assert snap_compare(app, terminal_size=size, press=["r"])


def test_progress(app: ForwardLabApp, store: ProgressStore, size, snap_compare) -> None:
    seed_history(store)
    assert snap_compare(app, terminal_size=size, press=["p"])


def test_help(app: ForwardLabApp, size, snap_compare) -> None:
    assert snap_compare(app, terminal_size=size, press=["enter", "f1"])
