"""ProgressPanel: overall progress, streak and score, what to do next, and any broken content."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Collapsible, ProgressBar, Static

from grader.api import plural
from grader.course.content import Problem
from grader.course.outline import OutlineItem, Standing
from tui.paths import short_path
from tui.widgets.course_outline import KIND_LABELS, short_title


class ProgressPanel(VerticalScroll):
    """The home screen's side panel; `show` refreshes it from the outline's standing."""

    def __init__(self, problems: Sequence[Problem | str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.problems = list(problems)

    def compose(self) -> ComposeResult:
        yield ProgressBar(show_eta=False, id="overall-progress")
        yield Static(id="standing")
        yield Static("Up next", classes="panel-title")
        yield Static(id="up-next")
        if self.problems:
            # Broken content is listed, never fatal: the rest of the course still works.
            listing = "\n".join(p if isinstance(p, str) else str(p).replace(p.file, short_path(p.file), 1)
                                for p in self.problems)
            yield Collapsible(Static(Content(listing), id="problem-list"),
                              title=f"⚠ {plural(len(self.problems), 'content problem')}",
                              collapsed=False, id="problems")

    def show(self, standing: Standing, up_next: OutlineItem | None) -> None:
        self.query_one("#overall-progress", ProgressBar).update(total=standing.total or 1, progress=standing.done)
        streak = f"{standing.streak_days}-day streak" if standing.streak_days else "no streak yet"
        self.query_one("#standing", Static).update(Content.assemble(
            (f"{standing.done}/{standing.total}", "bold"), " items done\n",
            ("✦ ", "$text-warning"), streak, "\n", ("★ ", "$text-warning"),
            (plural(standing.score, "first-try point"), "bold"),
            *(("\n", ("↻ ", "$text-warning"), (str(standing.fixed), "bold"), " fixed on retry")
              if standing.fixed else ()),
        ))
        if up_next is None:
            text = Content.assemble(("You finished the whole course. Well done!", "bold $text-success"))
        else:
            text = Content.assemble(
                (f"{KIND_LABELS[up_next.kind]}: ", "$text-muted"), (short_title(up_next), "bold"),
                "\n", ("press ", "$text-muted"), ("n", "bold $text-accent"), (" to start it", "$text-muted"),
            )
        self.query_one("#up-next", Static).update(text)
