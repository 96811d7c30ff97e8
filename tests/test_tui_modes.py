"""Pilot tests of the practice modes: pipeline trace, training trace, pitfall spotter, review, progress.

A fake grading client stands in for the worker (its trace and train results are canned); one test
traces a real file through the real worker, end to end.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import DataTable, Markdown, ProgressBar, Static
from tui_support import make_modes_app, run_async, settle

from grader.course.progress import ProgressStore
from grader.course.review import day_start
from tui.app import ForwardLabApp
from tui.screens.home_screen import HomeScreen
from tui.screens.progress_screen import ProgressScreen
from tui.screens.review_screen import ReviewScreen
from tui.screens.spotter_screen import SpotterScreen
from tui.screens.trace_screen import TraceScreen
from tui.screens.train_screen import TrainScreen
from tui.widgets.exercise_review_card import ExerciseReviewCard
from tui.widgets.mode_menu import ModeMenu
from tui.widgets.question_view import QuestionView
from tui.widgets.snippet_card import SnippetCard

SIZE = (120, 40)


def due_today(store: ProgressStore, *items: str) -> None:
    for item in items:
        store.set_review(item, 1, day_start(date.today()))


@run_async
async def test_home_lists_the_modes_with_the_reviews_due(workspace, store, modes_content) -> None:
    due_today(store, "quiz:forward-quiz/main-job", "quiz:gone-quiz/q")  # the second one is not in the course
    app, _ = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        menu = app.screen.query_one(ModeMenu)
        assert [o.id for o in menu.options] == ["mode:review", "mode:trace", "mode:train", "mode:spotter", "mode:progress"]
        assert "1 due today" in str(menu.get_option("mode:review").prompt)
        menu.focus()
        await pilot.press("down", "down", "down", "enter")  # from the menu, like from the keys
        await pilot.pause()
        assert isinstance(app.screen, SpotterScreen)


@run_async
async def test_trace_view_shows_the_stages_and_the_first_divergence(workspace, store, modes_content) -> None:
    app, client = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, TraceScreen) and client.traced == ["exercise1"]  # the only exercise here
        table = screen.query_one(DataTable)
        assert table.row_count == 5
        assert [str(table.get_row_at(i)[3]) for i in range(5)] == ["64x1x28x28", "64x784", "64x128", "64x10", "64x10"]
        assert table.cursor_row == 3 and str(table.get_row_at(3)[1]) == "✘ ◀"  # the divergence, highlighted
        assert "the reference applies a ReLU" in screen.query_one("#trace-verdict", Markdown).source
        await pilot.press("r")
        await settle(app, pilot)
        assert len(client.traced) == 2


@run_async
async def test_training_view_plots_each_epoch_as_it_arrives(workspace, store, modes_content) -> None:
    app, client = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TrainScreen) and screen.exercise_id == "exercise2"
        await pilot.press("plus", "plus", "d", "t")
        await settle(app, pilot)
        assert client.trained == [("exercise2", 7, 1)]
        assert [r["epoch"] for r in screen.history] == [1, 2, 3]
        rows = screen.query_one("#train-rows", Static).content
        assert rows.columns[0]._cells == ["1", "2", "3"]  # one table row per epoch
        assert screen.query_one(ProgressBar).progress == 3
        assert "83.0% of held-out digits right" in str(screen.query_one("#grading-label").render())
        assert not screen.running and screen.check_action("train", ()) is True


@run_async
async def test_spotter_picks_a_line_shows_why_and_records_it(workspace, store, modes_content) -> None:
    app, _ = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        card = app.screen.query_one(SnippetCard)
        await pilot.press("2", "enter")  # wrong: line 2 is fine
        await pilot.pause()
        assert card.has_class("-wrong") and card.answered
        feedback = card.query_one(".card-feedback", Markdown).source
        assert "The bug is on line 3" in feedback and "Call the submodule" in feedback
        assert store.answers("spotter")[-1][1:4] == ("forward-spotter/direct-forward", "2", False)
        assert "spotter:forward-spotter/direct-forward" in store.review_items()  # it will come back
        await pilot.press("enter")  # next snippet
        await pilot.pause()
        await pilot.press("1", "3", "enter")  # line 1 is not offered; line 3 is the bug
        await pilot.pause()
        assert app.screen.query_one(SnippetCard).has_class("-right")
        assert store.answers("spotter")[-1][1:4] == ("forward-spotter/softmax-logits", "3", True)
        await pilot.press("n")  # past the last snippet: back home
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


@run_async
async def test_review_reasks_due_items_and_reschedules_them(workspace, store, modes_content) -> None:
    store.record_check({"exercise": "exercise1", "file": "f.py", "status": "fail",
                        "checks": [{"id": "values/reference", "category": "values", "status": "fail",
                                    "message": "your output equals x @ weight.T without the bias"}]})
    due_today(store, "quiz:forward-quiz/main-job", "spotter:forward-spotter/direct-forward", "exercise:exercise1")
    app, _ = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and len(screen.keys) == 3
        card = screen.card  # the same due day: in key order, so the exercise comes first
        assert isinstance(card, ExerciseReviewCard)
        assert "without the bias" in card.query_one(".card-question", Markdown).source
        await pilot.press("o")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "ExerciseScreen"
        await pilot.press("escape", "s")  # back, then skip it: it stays due
        await pilot.pause()
        assert isinstance(screen.card, QuestionView)
        await pilot.press(screen.card.letter(0).lower(), "enter")  # right, wherever it is shown
        await pilot.pause()
        assert store.review_items()["quiz:forward-quiz/main-job"][0] == 2  # moved to the next box
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(screen.card, SnippetCard)
        await pilot.press("1", "enter")  # wrong: back to box 1, due tomorrow
        await pilot.pause()
        box, due = store.review_items()["spotter:forward-spotter/direct-forward"]
        assert box == 1 and date.fromtimestamp(due) > date.today()
        await pilot.press("enter")
        await pilot.pause()
        summary = screen.query_one("#review-summary", Markdown).source
        assert "1 of 2 right" in summary and "still due today" in summary
        await pilot.press("escape")
        await pilot.pause()
        assert "1 due today" in str(app.screen.query_one(ModeMenu).get_option("mode:review").prompt)


@run_async
async def test_progress_dashboard_shows_the_standing(workspace, store, modes_content) -> None:
    store.record_answer("quiz", "forward-quiz/main-job", "A", True)
    store.record_answer("quiz", "forward-quiz/linear-parts", "A", False)
    store.record_check({"exercise": "exercise1", "file": "f.py", "status": "pass", "checks": [{"status": "pass"}]})
    store.add_activity("lesson:forward-basics", 90)
    app, _ = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        summary = str(screen.query_one("#dashboard-summary").render())
        assert "1/1 exercises passed" in summary and "1 min spent" in summary
        quizzes = screen.query_one("#quizzes-table", Static).content
        assert [str(column._cells[0]) for column in quizzes.columns] == ["Forward pass check", "first try 1/2", "done"]
        exercises = screen.query_one("#exercises-table", Static).content
        assert str(exercises.columns[-1]._cells[0]) == "passed"
        assert screen.data["quiz_accuracy"][0]["accuracy"] == 0.5
        store.record_answer("quiz", "forward-quiz/linear-parts", "A,B", True)  # a retry: counted apart
        await pilot.press("r")
        await pilot.pause()
        quizzes = screen.query_one("#quizzes-table", Static).content
        assert str(quizzes.columns[1]._cells[0]) == "first try 1/2 · 1 of 1 fixed on retry"
        assert screen.data["quiz_accuracy"][0]["accuracy"] == 0.5  # first tries only
        assert "1 fixed on retry" in str(screen.query_one("#dashboard-summary").render())


@run_async
async def test_command_palette_opens_a_mode(workspace, store, modes_content) -> None:
    app, _ = make_modes_app(store, modes_content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Progress dash")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)


@pytest.mark.slow
@run_async
async def test_real_trace_of_a_correct_digit_classifier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real worker end to end: the seed's six stages, every one matching the reference."""
    from test_trace import DIGITS_MODULES

    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "exercise2.py").write_text(DIGITS_MODULES)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FORWARDLAB_WORKSPACE", str(tmp_path))
    store = ProgressStore(tmp_path / "progress.sqlite3")
    app = ForwardLabApp(store)
    try:
        async with app.run_test(size=SIZE) as pilot:
            app.open_mode("trace", "exercise2")
            await pilot.pause()  # the screen mounts and starts its worker
            await settle(app, pilot)
            table = app.screen.query_one(DataTable)
            assert table.row_count == 6, app.screen.query_one("#grading-label").render()
            assert [str(table.get_row_at(i)[3]) for i in range(table.row_count)] == [
                "64x1x28x28", "64x784", "64x128", "64x128", "64x10", "64x10"]
            assert all(str(table.get_row_at(i)[1]) == "✔" for i in range(table.row_count))
            assert not app.screen.query_one("#trace-check").display  # it passes its checks: no warning
    finally:
        store.close()


def test_the_mode_screens_do_not_import_torch() -> None:
    code = ("import sys, tui.app; from tui.screens import trace_screen, train_screen, review_screen, spotter_screen, "
            "progress_screen; bad = [m for m in ('torch', 'numpy') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
