"""A walk through every screen in a standard 80x24 terminal: each shows its main content whole.

What a screen is for must be on screen, not cut at the right edge nor pushed below the fold: the
strings checked are read off the terminal's own rows, so a cut word or a missing column fails. Every
footer shows F1's help and keeps its keys whole.
"""

from __future__ import annotations

from datetime import date

from tui_support import make_modes_app, run_async, screen_text, settle

from grader.course.review import day_start

SMALL = (80, 24)


def assert_shows(app, *texts: str, footer: tuple[str, ...] = ()) -> None:
    shown = screen_text(app)
    rows = shown.splitlines()
    assert len(rows) == SMALL[1] and all(len(row) <= SMALL[0] for row in rows)
    missing = [text for text in texts if text not in shown]
    assert not missing, f"{type(app.screen).__name__} does not show {missing}:\n{shown}"
    assert "f1 Help" in rows[-1], rows[-1]  # F1 is in every footer
    cut = [key for key in footer if key not in rows[-1]]
    assert not cut, f"footer lost {cut}: {rows[-1]!r}"


@run_async
async def test_every_screen_shows_its_main_content_at_80x24(workspace, store, modes_content) -> None:
    store.set_review("myth:forward-basics#call-forward", 1, day_start(date.today()))
    app, _ = make_modes_app(store, modes_content)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert_shows(app, "○ Lesson The forward pass  · 3 sections", "Quiz   Forward pass check  · 2 questions",
                     "Code   Exercise 1: ManualLinear  · to do", "Up next", "Lesson: The forward pass",
                     "r  Review · 1 due today", "p  Progress dashboard", footer=("n Up next", "q Quit"))

        await pilot.press("n")  # the lesson: the sections fold away, the text takes the width
        await pilot.pause()
        assert_shows(app, "Section 1 of 3", "A model's forward method turns inputs into outputs.",
                     "runs __call__, which calls forward.",
                     footer=("n Next", "p Previous", "s Sections", "r Read"))
        await pilot.press("s")  # the drawer opens
        await pilot.pause()
        assert_shows(app, "Sections", "▶ 1. Overview", "· 2. Weights and biases", "· 3. Myths")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert_shows(app, "Section 2 of 3", "Does a linear layer add a bias after multiplying by the",
                     "Yes, it adds a bias", "No, it only multiplies", footer=("⏎ Commit",))
        await pilot.press("f1")
        await pilot.pause()
        rows = screen_text(app)
        assert "Next — Go on to the next section" in rows and "Esc to close" in rows
        await pilot.press("escape", "escape")
        await pilot.pause()

        app.open_item("quiz", "forward-quiz")
        await pilot.pause()
        assert_shows(app, "Question 1 of 2", "What does the forward method mainly do?",
                     "Computes the output from the input", "Updates the weights", footer=("⏎ Commit",))
        await pilot.press("1", "enter")
        await pilot.pause()
        assert_shows(app, "A (wrong, your pick): The optimizer does that.", "B (right): That is its job.",
                     footer=("⏎ Next question",))
        await pilot.press("escape")
        await pilot.pause()

        app.open_item("exercise", "exercise1")
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert_shows(app, "Task · ManualLinear", "Compute x @ weight.T + bias for x of shape",
                     "✘ Not yet   2 passed · 2 failed · 1 skipped", "✘ fail values",
                     "output differs from the reference: max abs diff 0.73 at [0, 1]",
                     footer=("c Check", "e Edit", "h Hint"))
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("t")
        await settle(app, pilot)
        assert_shows(app, "✘ Your file fails grader check (1 of 25 checks, first", "fc2 (Linear)", "✘ ◀",
                     "fc2 (Linear) 64x10", "64x1x28x28", "✘ Your output differs from the reference's.",
                     "✔ same as the reference · ✘ differs", footer=("r Run again", "x Exercise"))
        await pilot.press("escape", "l", "t")
        await settle(app, pilot)
        assert_shows(app, "✘ Your file fails grader check", "━ loss and ━ held-out accuracy per epoch",
                     "83.0% of held-out digits right, yet the file fails its checks", "epoch  loss ↓",
                     "3   0.500", footer=("t Train", "+ More epochs", "- Fewer epochs", "d New seed"))
        await pilot.press("escape", "s")
        await pilot.pause()
        assert_shows(app, "snippet 1 of 2", "Which line has the bug?", "3 │     x = self.blocks.forward(x)",
                     "4 │     return self.head(x)", footer=("⏎ Commit line", "n Next snippet"))
        await pilot.press("2", "enter")
        await pilot.pause()
        assert_shows(app, "Line 2 is fine. The bug is on line 3.")
        await pilot.press("escape", "r")
        await pilot.pause()
        assert_shows(app, "Review · 1 due today", "True or myth? Is this belief true?",
                     "You should call model.forward(x) directly.", "B  No, it's a myth")
        await pilot.press("escape", "p")
        await pilot.pause()
        assert_shows(app, "items done", "exercises passed", "Quiz accuracy over time", "Lessons",
                     "The forward pass", footer=("r Refresh",))
