"""Pilot tests of what the TUI says about the learner's work: each claim on screen is what happened.

A section is read only once shown with its text revealed; an earlier check's result says when it is
from and is redone when the file changed; a trace or training run of a file that fails `grader check`
says so; the review's "due today" counts down. Each of these failed before the app told the truth.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

from textual.widgets import Static
from tui_support import CHECK_FAILS, TRACE, fake_factory, make_modes_app, make_report, run_async, settle

from grader.api import progress_summary
from grader.course.outline import build_outline
from grader.course.review import day_start
from tui.app import ForwardLabApp
from tui.screens.review_screen import ReviewScreen
from tui.widgets.section_list import SectionList

SIZE = (120, 40)


def outline_item(app: ForwardLabApp, kind: str, item_id: str):
    return next(i for i in build_outline(app.course, app.store) if (i.kind, i.id) == (kind, item_id))


def section_marks(app: ForwardLabApp) -> list[str]:
    return [str(option.prompt)[0] for option in app.screen.query_one(SectionList).options]


def set_mtime(path: Path, at: float) -> None:
    os.utime(path, (at, at))


# --- lessons -----------------------------------------------------------------------------------

@run_async
async def test_jumping_past_a_prediction_does_not_read_the_sections_skipped(workspace, store, modes_content) -> None:
    app, _ = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("lesson", "forward-basics")
        await pilot.pause()
        await pilot.press("s", "end", "enter")  # from section 1 straight to section 3, round section 2's prediction
        await pilot.pause()
        assert app.screen.current == 2
        assert section_marks(app) == ["✔", "·", "▶"]
        await pilot.press("n")  # the end of the lesson: it closes, and says what is still unread
        await pilot.pause()
        assert any("sections still unread: 2" in str(n.message) for n in app._notifications)
        lesson = outline_item(app, "lesson", "forward-basics")
        assert (lesson.state, lesson.detail) == ("started", "2/3 sections read")
        assert progress_summary(store, app.course)["lessons"][0]["sections_read"] == 2  # the dashboard agrees


@run_async
async def test_a_prediction_section_is_read_only_once_the_prediction_is_committed(workspace, store,
                                                                                 modes_content) -> None:
    app, _ = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("lesson", "forward-basics")
        await pilot.pause()
        await pilot.press("n")  # section 2: its prediction is shown, its text still hidden
        await pilot.pause()
        assert section_marks(app) == ["✔", "▶", "·"]
        await pilot.press("p")
        await pilot.pause()
        assert section_marks(app) == ["▶", "·", "·"]  # seen, not read
        await pilot.press("n", "a", "enter")
        await pilot.pause()
        assert section_marks(app) == ["✔", "▶", "·"]
        assert outline_item(app, "lesson", "forward-basics").detail == "2/3 sections read"


# --- exercises ---------------------------------------------------------------------------------

@run_async
async def test_reopening_an_exercise_rechecks_a_file_changed_since_its_last_result(workspace, store,
                                                                                   content_dir) -> None:
    store.record_check(make_report("fail").to_dict())
    set_mtime(workspace / "exercises" / "exercise1.py", time.time() + 5)  # saved after that check
    client, factory = fake_factory(store, make_report("pass"))
    app = ForwardLabApp(store, content_dirs=[content_dir], grading_client=factory)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("exercise", "exercise1")
        await pilot.pause()
        await settle(app, pilot)
        assert len(client.checked) == 1  # checked again on opening, without a key press
        assert app.screen.query_one(".results-summary").render().plain.startswith("✔ All checks pass")


@run_async
async def test_reopening_an_exercise_labels_an_unchanged_result_with_its_time(workspace, store,
                                                                              content_dir) -> None:
    store.record_check(make_report("fail").to_dict())
    set_mtime(workspace / "exercises" / "exercise1.py", time.time() - 60)  # saved before that check
    client, factory = fake_factory(store, make_report("pass"))
    app = ForwardLabApp(store, content_dirs=[content_dir], grading_client=factory)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("exercise", "exercise1")
        await settle(app, pilot)
        assert client.checked == []
        stamp = str(app.screen.query_one(".results-stamp", Static).render())
        assert stamp.startswith("Result of your check at ") and "has not changed since" in stamp
        assert app.screen.query_one(".results-summary").render().plain.startswith("✘ Not yet")


@run_async
async def test_home_says_when_a_passed_exercise_fails_now(workspace, store, content_dir) -> None:
    store.record_check(make_report("pass").to_dict())
    store.record_check(make_report("fail").to_dict())
    app, _ = make_modes_app(store, content_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        prompt = str(app.screen.query_one("#outline").get_option("exercise:exercise1").prompt)
        assert "passed before; the latest check fails" in prompt


# --- traces of a file that fails its checks ----------------------------------------------------

@run_async
async def test_the_pipeline_trace_says_when_the_file_fails_its_checks(workspace, store, modes_content) -> None:
    app, client = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(app, pilot)
        banner = app.screen.query_one("#trace-check", Static)
        assert banner.display
        assert str(banner.render()).startswith("✘ Your file fails grader check (1 of 25 checks, first values/batch-4)")
        client.trace_result = {**TRACE, "status": "match", "check": {**CHECK_FAILS, "status": "pass", "failed": []}}
        await pilot.press("r")
        await settle(app, pilot)
        assert not banner.display  # a file that passes is not warned about


@run_async
async def test_training_a_file_that_fails_its_checks_gets_no_tick(workspace, store, modes_content) -> None:
    app, _ = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("t")
        await settle(app, pilot)
        banner = str(app.screen.query_one("#train-check", Static).render())
        assert "fails grader check" in banner and "a linear model still gets about 90%" in banner
        status = str(app.screen.query_one("#grading-label").render())
        assert status.startswith("●") and "yet the file fails its checks" in status and "✔" not in status


@run_async
async def test_training_an_unstarted_exercise_says_not_started(workspace, store, modes_content) -> None:
    app, client = make_modes_app(store, modes_content)
    client.train_result = {"status": "not-started", "history": [], "accuracy": None,
                           "error": "before training: NotImplementedError at exercise2.py:12: write forward",
                           "check": {"status": "not-started", "passed": 2, "total": 25, "failed": []}}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("t")
        await settle(app, pilot)
        assert str(app.screen.query_one("#grading-label").render()).startswith("○ Not started")
        assert not app.screen.query_one("#train-check").display
        assert not [n for n in app._notifications if n.severity == "error"]  # no raw error toast


# --- review ------------------------------------------------------------------------------------

@run_async
async def test_review_counts_down_what_is_due_today(workspace, store, modes_content) -> None:
    for item in ("myth:forward-basics#call-forward", "quiz:forward-quiz/main-job",
                 "spotter:forward-spotter/direct-forward"):
        store.set_review(item, 1, day_start(date.today()))
    app, _ = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.sub_title == "Review · 3 due today"
        await pilot.press("b", "enter")  # the myth, answered right: it moves on
        await pilot.pause()
        assert screen.sub_title == "Review · 2 due today"
        await pilot.press("enter", "s")  # next, then skip the quiz question: it stays due
        await pilot.pause()
        assert screen.sub_title == "Review · 2 due today"
        await pilot.press("1", "enter")  # the snippet, answered wrong: due again tomorrow, not today
        await pilot.pause()
        assert screen.sub_title == "Review · 1 due today"


# --- toasts ------------------------------------------------------------------------------------

@run_async
async def test_a_repeated_warning_is_one_toast(workspace, store, content_dir) -> None:
    app, _ = make_modes_app(store, content_dir)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("lesson", "forward-basics")
        await pilot.pause()
        await pilot.press("n", "n", "n", "n", "n")  # four times against the same open prediction
        await pilot.pause()
        warnings = [n for n in app._notifications if "Commit to a prediction first" in str(n.message)]
        assert len(warnings) == 1
