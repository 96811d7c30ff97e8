"""Pilot-driven tests of every screen of the TUI and of the main flow, with a fake grading client."""

from __future__ import annotations

import os
import random
from contextlib import nullcontext
from pathlib import Path

import pytest
from textual.widgets import Markdown, Static
from tui_support import fake_factory, make_report, run_async, settle, write_content

from grader.course.outline import LessonPosition, build_outline, lesson_position
from grader.course.progress import ProgressStore
from tui.app import ForwardLabApp
from tui.screens.exercise_screen import ExerciseScreen
from tui.screens.help_screen import HelpScreen
from tui.screens.home_screen import HomeScreen
from tui.screens.lesson_screen import LessonScreen
from tui.screens.quiz_screen import QuizScreen
from tui.widgets.check_row import CheckRow
from tui.widgets.commit_card import CommitCard
from tui.widgets.course_outline import CourseOutline
from tui.widgets.myth_card import MythCard
from tui.widgets.predict_card import PredictCard

SIZE = (120, 40)


def make_app(store: ProgressStore, content: Path, *reports) -> tuple[ForwardLabApp, object]:
    client, factory = fake_factory(store, *reports)
    return ForwardLabApp(store, content_dirs=[content], grading_client=factory, rng=random.Random(7)), client


def keys(card: CommitCard, *indices: int) -> list[str]:
    """The keys that pick the content's options `indices` on `card`, in whatever order it shows them."""
    return [card.letter(i).lower() for i in indices]


async def answer(pilot, *indices: int) -> None:
    """Pick the content's options `indices` on the open question and commit."""
    await pilot.press(*keys(pilot.app.screen.query_one(CommitCard), *indices), "enter")
    await pilot.pause()


def markdown_text(widget: Markdown) -> str:
    return widget.source


@run_async
async def test_home_lists_the_course_and_broken_content(tmp_path: Path, store: ProgressStore) -> None:
    content = write_content(tmp_path / "content", broken=True)
    app, _ = make_app(store, content)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        outline = app.screen.query_one(CourseOutline)
        assert [o.id for o in outline.options] == ["lesson:forward-basics", "quiz:forward-quiz", "exercise:exercise1"]
        assert outline.highlighted == 0  # the cursor starts on "up next"
        problems = str(app.screen.query_one("#problem-list").render())
        assert "broken.yaml:6: sectons: unknown key" in problems


@run_async
async def test_lesson_prediction_blocks_the_section_until_committed(workspace: Path, store: ProgressStore,
                                                                    content_dir: Path) -> None:
    app, _ = make_app(store, content_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")  # up next: the lesson
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("n")
        await pilot.pause()
        rest = app.screen.query_one("#section-rest")
        assert not rest.display
        await pilot.press("n")  # blocked: the prediction is still open
        await pilot.pause()
        assert app.screen.current == 1
        card = app.screen.query_one(PredictCard)
        await answer(pilot, 0)
        assert rest.display
        assert card.has_class("-right")
        recorded = store.answers("predict")[-1]
        assert recorded[1:4] == ("forward-basics#bias", "A", True)  # content letters, whatever was shown
        assert recorded.shown == ",".join(map(str, card.order))
        assert lesson_position(store, "forward-basics") == LessonPosition(1, frozenset({0, 1}))
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.current == 2
        await pilot.press("escape")
        await pilot.pause()
        # Reopening resumes where the learner was, with the committed prediction revealed.
        app.open_item("lesson", "forward-basics")
        await pilot.pause()
        assert app.screen.current == 2
        await pilot.press("p")
        await pilot.pause()
        assert app.screen.query_one("#section-rest").display
        again = app.screen.query_one(PredictCard)
        assert again.committed and again.order == card.order  # shown as it was answered


@run_async
async def test_myth_card_commit_reveals_and_records(workspace: Path, store: ProgressStore, content_dir: Path) -> None:
    app, _ = make_app(store, content_dir)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("lesson", "forward-basics")
        await pilot.pause()
        await pilot.press("s", "end", "enter")  # jump to the last section from the section list
        await pilot.pause()
        card = app.screen.query_one(MythCard)
        assert app.focused is card.query_one("ChoiceList")  # the open question gets the focus
        await pilot.press("a", "enter")  # "yes, that's true": the myth fooled us
        await pilot.pause()
        assert card.has_class("-wrong")
        assert "Why it matters" in markdown_text(card.query_one(".card-feedback", Markdown))
        assert store.answers("myth")[-1][1:4] == ("forward-basics#call-forward", "A", False)


@run_async
async def test_quiz_feedback_score_and_retry(workspace: Path, store: ProgressStore, content_dir: Path) -> None:
    app, _ = make_app(store, content_dir)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("quiz", "forward-quiz")
        await pilot.pause()
        card = app.screen.query_one(CommitCard)
        await answer(pilot, 1)  # wrong
        feedback = markdown_text(app.screen.query_one(".card-feedback", Markdown))
        # every option explained, picked or not, under the letter it was shown with
        assert f"**{card.letter(1)}** (wrong, your pick): The optimizer does that." in feedback
        assert f"**{card.letter(0)}** (right): That is its job." in feedback
        await pilot.press("enter")
        await pilot.pause()
        await answer(pilot, 0)  # multiple answers: one toggle is not enough...
        assert not app.screen.results.get("linear-parts")
        await pilot.press("enter")
        await pilot.pause()
        summary = markdown_text(app.screen.query_one("#quiz-summary", Markdown))
        assert "# First try: 0 / 2" in summary
        assert "Computes the output" not in summary and "A weight matrix" not in summary  # no answers to copy
        assert [a[1:4] for a in store.answers("quiz")] == [
            ("forward-quiz/main-job", "B", False), ("forward-quiz/linear-parts", "A", False)]
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen) and len(app.screen.questions) == 2
        await answer(pilot, 0)
        await pilot.press("enter")
        await pilot.pause()
        await answer(pilot, 0, 1)
        await pilot.press("enter")
        await pilot.pause()
        summary = markdown_text(app.screen.query_one("#quiz-summary", Markdown))
        assert "# Retry: 2 / 2 right this time" in summary
        assert "Your first try at this quiz: **0 / 2** · fixed on retry: **2 of 2**" in summary
        assert not app.screen.check_action("retry", ())
        quiz = next(item for item in build_outline(app.course, store) if item.kind == "quiz")
        assert quiz.detail == "first try 0/2 · 2 of 2 fixed on retry"


@run_async
async def test_enter_alone_answers_nothing(workspace: Path, store: ProgressStore, content_dir: Path) -> None:
    """A learner who only presses Enter scores nothing and is told how to choose."""
    app, _ = make_app(store, content_dir)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("quiz", "forward-quiz")
        await pilot.pause()
        await pilot.press("enter", "enter", "down", "enter")  # the highlighted option is not a choice
        await pilot.pause()
        assert store.answers() == [] and app.screen.results == {} and app.screen.index == 0
        assert not app.screen.query_one(CommitCard).committed
        assert any("Nothing chosen yet" in str(n.message) for n in app._notifications)
        app.screen.dismiss()
        await pilot.pause()
        app.open_item("lesson", "forward-basics")
        await pilot.pause()
        await pilot.press("n", "enter", "enter")  # the prediction, Enter only
        await pilot.pause()
        assert store.answers() == [] and not app.screen.query_one(PredictCard).committed


@run_async
async def test_options_are_shuffled_per_attempt(workspace: Path, store: ProgressStore, content_dir: Path) -> None:
    """Each attempt shows its own order; the order is recorded with the answer, in content letters."""
    app, _ = make_app(store, content_dir)
    orders = set()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(8):
            app.open_item("quiz", "forward-quiz")
            await pilot.pause()
            card = app.screen.query_one(CommitCard)
            orders.add(tuple(card.order))
            await answer(pilot, 0)
            app.screen.dismiss()
            await pilot.pause()
    assert orders == {(0, 1), (1, 0)}  # both orders came up
    answers = store.answers("quiz")
    assert {a.answer for a in answers} == {"A"} and all(a.correct for a in answers)
    assert {a.shown for a in answers} == {"0,1", "1,0"}


@run_async
async def test_exercise_check_fail_then_pass_on_save(workspace: Path, store: ProgressStore,
                                                     content_dir: Path) -> None:
    app, client = make_app(store, content_dir, make_report("fail"), make_report("pass"))
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("exercise", "exercise1")
        await settle(app, pilot)
        assert client.warmed.is_set() and app.grader_warm  # warmed when the screen opened
        assert "press c" in str(app.screen.query_one("#grading-label").render())
        await pilot.press("c")
        await settle(app, pilot)
        rows = list(app.screen.query(CheckRow))
        assert [r.check.status for r in rows] == ["pass", "pass", "fail", "fail", "skip"]
        assert [r.collapsed for r in rows] == [True, True, False, True, True]  # first failure expanded
        assert store.exercise_status("exercise1") == "fail"
        # Saving the file re-checks it without a key press.
        learner_file = workspace / "exercises" / "exercise1.py"
        os.utime(learner_file, (learner_file.stat().st_atime, learner_file.stat().st_mtime + 5))
        await pilot.pause(0.7)
        await settle(app, pilot)
        assert len(client.checked) == 2
        assert [r.check.status for r in app.screen.query(CheckRow)] == ["pass"] * 3
        assert store.exercise_status("exercise1") == "passed"
        await pilot.press("escape")
        await pilot.pause()
        assert "passed" in str(app.screen.query_one(CourseOutline).get_option("exercise:exercise1").prompt)


@run_async
async def test_exercise_hints_one_at_a_time(workspace: Path, store: ProgressStore, content_dir: Path) -> None:
    app, _ = make_app(store, content_dir)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("exercise", "exercise1")
        await settle(app, pilot)
        hints = app.screen.query_one("#hints", Static)
        assert "Hints (0 of 3)" in str(hints.content)
        await pilot.press("h")
        await pilot.pause()
        assert "Hints (1 of 3)" in str(hints.content)
        assert "Look at the shapes" in str(hints.content)
        assert store.hints_shown("exercise1") == 1


@run_async
async def test_exercise_edit_suspends_and_runs_editor(workspace: Path, store: ProgressStore, content_dir: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    editor = workspace / "editor.sh"
    editor.write_text('#!/bin/sh\necho "# edited" >> "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    app, client = make_app(store, content_dir, make_report("pass"))
    monkeypatch.setattr(app, "suspend", nullcontext)  # a headless test terminal cannot be suspended
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("exercise", "exercise1")
        await settle(app, pilot)
        await pilot.press("e")
        await pilot.pause(0.7)
        await settle(app, pilot)
        assert "# edited" in (workspace / "exercises" / "exercise1.py").read_text()
        assert len(client.checked) == 1  # the save was noticed and graded


@run_async
async def test_exercise_shows_a_grader_error_without_crashing(workspace: Path, store: ProgressStore,
                                                             content_dir: Path) -> None:
    class Broken:
        def warm_up(self) -> None:
            raise RuntimeError("worker died")

        def close(self) -> None:
            pass

    app = ForwardLabApp(store, content_dirs=[content_dir], grading_client=Broken)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("exercise", "exercise1")
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, ExerciseScreen)
        assert "worker died" in str(app.screen.query_one("#grading-label").render())


@run_async
async def test_help_screen_lists_the_keys_of_the_screen_below(workspace: Path, store: ProgressStore,
                                                              content_dir: Path) -> None:
    app, _ = make_app(store, content_dir)
    async with app.run_test(size=SIZE) as pilot:
        app.open_item("lesson", "forward-basics")
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-keys", Static).content
        does = list(table.columns[1].cells)
        assert any(text.startswith("Next — Go on to the next section") for text in does)
        assert any(text.startswith("Pick a section") or text.startswith("Sections") for text in does)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)


@run_async
async def test_command_palette_jumps_to_an_exercise(workspace: Path, store: ProgressStore, content_dir: Path) -> None:
    app, _ = make_app(store, content_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"ManualLinear")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ExerciseScreen)


@run_async
async def test_corrupt_store_is_reported(tmp_path: Path, content_dir: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = ProgressStore(path)
    app, _ = make_app(store, content_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("moved it to" in str(n.message) for n in app._notifications)
    store.close()


@run_async
async def test_main_flow_lesson_quiz_exercise(workspace: Path, store: ProgressStore, content_dir: Path) -> None:
    """home -> lesson -> prediction -> quiz -> exercise failing, then passing; all with keys only."""
    app, client = make_app(store, content_dir, make_report("fail"), make_report("pass"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "n", "a", "enter", "n", "b", "enter", "n")  # read the whole lesson
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("n")  # up next: the quiz
        await pilot.pause()
        await answer(pilot, 0)
        await pilot.press("enter")
        await pilot.pause()
        await answer(pilot, 0, 1)
        await pilot.press("enter")
        await pilot.pause()
        assert "# First try: 2 / 2" in markdown_text(app.screen.query_one("#quiz-summary", Markdown))
        await pilot.press("escape", "n")  # up next: the exercise
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert app.screen.query_one(".results-summary").render().plain.startswith("✘ Not yet")
        await pilot.press("c")
        await settle(app, pilot)
        assert app.screen.query_one(".results-summary").render().plain.startswith("✔ All checks pass")
        await pilot.press("escape")
        await pilot.pause()
        assert "Well done" in str(app.screen.query_one("#up-next").render())


@pytest.mark.slow
@run_async
async def test_real_grading_client_grades_a_stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real GradingClient end to end: the shipped exercise1 stub is reported as not started."""
    from grader.api import init_workspace

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FORWARDLAB_WORKSPACE", str(tmp_path))
    init_workspace(tmp_path)
    store = ProgressStore(tmp_path / "progress.sqlite3")
    app = ForwardLabApp(store)
    try:
        async with app.run_test(size=SIZE) as pilot:
            app.open_item("exercise", "exercise1")
            await settle(app, pilot)
            await pilot.press("c")
            await settle(app, pilot)
            summary = app.screen.query_one(".results-summary").render().plain
            assert summary.startswith("○ Not started"), summary
    finally:
        store.close()
