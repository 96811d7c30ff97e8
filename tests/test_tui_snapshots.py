"""Snapshot tests of the main screens (pytest-textual-snapshot), on the small fixture content pack.

Regenerate with `pytest tests/test_tui_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tui_support import fake_factory, make_report, write_content

from grader.course.progress import ProgressStore
from tui.app import ForwardLabApp

SIZE = (110, 34)


@pytest.fixture
def app(workspace: Path, store: ProgressStore) -> ForwardLabApp:
    # The broken lesson makes the home screen show its problem list; paths are relative to the cwd.
    write_content(workspace / "content", broken=True)
    _, factory = fake_factory(store, make_report("fail"))
    # a seeded shuffle: the options come in the same order on every run
    return ForwardLabApp(store, content_dirs=[workspace / "content"], grading_client=factory, rng=random.Random(0))


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_home(app: ForwardLabApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE)


def test_lesson_prediction(app: ForwardLabApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, press=["enter", "n"])


def test_lesson_prediction_revealed(app: ForwardLabApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, press=["enter", "n", "b", "enter"])


def test_myth_card(app: ForwardLabApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, press=["enter", "s", "end", "enter", "b", "enter"])


def test_quiz_feedback(app: ForwardLabApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, press=["down", "enter", "2", "enter"])


def test_quiz_summary(app: ForwardLabApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, press=["down", "enter", "2", "enter", "enter", "a", "b", "enter",
                                                        "enter"])


def test_exercise_failing_report(app: ForwardLabApp, snap_compare) -> None:
    async def check(pilot) -> None:
        await pilot.press("down", "down", "enter")
        await _settle(pilot)
        await pilot.press("h", "c")
        await _settle(pilot)
        # The status line carries the time of the check; pin it.
        pilot.app.screen.query_one("#grading-label").update("last checked · saving re-checks")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=check)


def test_help(app: ForwardLabApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, press=["f1"])
