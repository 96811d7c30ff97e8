"""ExerciseScreen: the task, the learner's file, hints, and live grading in a background worker.

Grading runs in a thread worker through the app's shared GradingClient (torch lives in its worker
process), so the UI never freezes. Every save of the file triggers a re-check (tui.save_watch).
A result from an earlier visit is shown with its time; if the file changed since, it is checked again.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Header, Static
from textual.worker import get_current_worker

from grader.api import default_file, next_hint
from grader.errors import UsageError
from grader.report import Report
from tui.paths import short_path
from tui.save_watch import SaveWatch
from tui.screens.lab_screen import LabScreen
from tui.widgets.check_results import CheckResults
from tui.widgets.grading_status import GradingStatus
from tui.widgets.lab_footer import LabFooter
from tui.widgets.prose import Prose, inline

FRIENDLY_EDITORS = ("nano", "micro")  # when neither $VISUAL nor $EDITOR is set; vi as the last resort


def stamp(at: float) -> str:
    """When a result is from, as people say it: 'at 14:02' today, else 'on Mon 3 Nov at 14:02'."""
    when = datetime.fromtimestamp(at)
    if when.date() == datetime.now().date():
        return f"at {when:%H:%M}"
    return f"on {when:%a} {when.day} {when:%b} at {when:%H:%M}"


def editor_command() -> tuple[list[str], str | None]:
    """(the command that opens a file, the variable that named it): $VISUAL, else $EDITOR, else a
    friendly editor that is installed (the variable is None then)."""
    for variable in ("VISUAL", "EDITOR"):
        if os.environ.get(variable, "").strip():
            return shlex.split(os.environ[variable]), f"${variable}"
    return [next((name for name in FRIENDLY_EDITORS if shutil.which(name)), "vi")], None


class ExerciseScreen(LabScreen):
    """One exercise. c checks, e edits in $EDITOR, h reveals the next hint; saving re-checks."""

    BINDINGS = [
        Binding("c", "check", "Check", id="exercise.check", tooltip="Grade your file now"),
        Binding("e", "edit", "Edit", id="exercise.edit",
                tooltip="Open your file in $VISUAL or $EDITOR (else nano); saving re-checks it"),
        Binding("h", "hint", "Hint", id="exercise.hint", tooltip="Reveal the next hint, one at a time"),
    ]

    def __init__(self, exercise_id: str) -> None:
        super().__init__(activity_item=f"exercise:{exercise_id}")
        self.exercise_id = exercise_id
        self.file = Path(default_file(exercise_id))
        self._mtime = self._file_mtime()
        self._checking = False
        self._saves: SaveWatch | None = None

    def compose(self) -> ComposeResult:
        self.meta = self.lab.course.exercise(self.exercise_id)
        self.sub_title = self.meta.title
        yield Header()
        with Horizontal(id="exercise"):
            with VerticalScroll(id="task") as task:
                task.border_title = f"Task · {self.meta.title}"
                yield Prose(self.meta.description, id="task-text")
                yield Static(id="file-line")
                yield Static(id="hints")
            with Vertical(id="results-pane") as pane:
                pane.border_title = "Checks"
                yield GradingStatus(id="grading-status")
                yield CheckResults(id="results")
        yield LabFooter()

    async def on_mount(self) -> None:
        self._show_file_line()
        self._show_hints(self.lab.store.hints_shown(self.exercise_id))
        await self._show_last_result()
        self._saves = SaveWatch(self.app, self._saved)
        self._saves.follow(self.file)
        if not self.lab.grader_warm and not self._checking:
            self._warm_up()

    async def _show_last_result(self) -> None:
        """The result of an earlier check, labelled with its time; checked again if the file changed since."""
        latest = self.lab.store.latest_check(self.exercise_id)
        if latest is None:
            await self.query_one(CheckResults).show(None)
            return
        at = self.lab.store.check_history(self.exercise_id)[-1].at
        changed = self._mtime is not None and self._mtime > at
        note = f"Result of your check {stamp(at)}" + (
            ": your file changed since, so it is being checked again…" if changed
            else "; your file has not changed since.")
        await self.query_one(CheckResults).show(Report.from_dict(latest), note=note)
        if changed:
            self.action_check()

    # --- the learner's file ----------------------------------------------------------------
    def _file_mtime(self) -> float | None:
        try:
            return self.file.stat().st_mtime
        except OSError:
            return None

    def _show_file_line(self) -> None:
        exists = self._mtime is not None
        editor, variable = editor_command()
        how = variable or "set $EDITOR to use another"
        self.query_one("#file-line", Static).update(Content.assemble(
            ("Your file: ", "bold"), (short_path(self.file), "$text-accent" if exists else "$text-error"),
            (f"  (e: edit in {Path(editor[0]).name}, {how}; every save is checked)" if exists
             else "  — missing: run `grader init` to create your workspace", "$text-muted"),
        ))

    def _saved(self) -> None:
        self._mtime = self._file_mtime()
        self._show_file_line()
        self.action_check()

    def on_unmount(self) -> None:
        if self._saves is not None:
            self._saves.stop()

    def action_edit(self) -> None:
        editor, variable = editor_command()
        if variable is None:  # say which editor opens, and how to choose another
            self.notify(f"Opening {short_path(self.file)} in {editor[0]}; set $EDITOR to use another "
                        "(e.g. export EDITOR=code).", title="Editor")
        try:
            with self.app.suspend():
                subprocess.run([*editor, str(self.file)], check=False)
        except Exception as err:  # noqa: BLE001 - no editor, or a terminal that cannot suspend: say so
            self.notify(f"Could not open {self.file} with {editor[0]}: {err}", severity="error")
        # The save watch notices a save and re-checks; no need to check here too.

    # --- hints -----------------------------------------------------------------------------
    def _show_hints(self, shown: int) -> None:
        lines = [Content.styled(f"Hints ({shown} of {len(self.meta.hints)})", "bold $text-accent")]
        lines += [Content(f"{i}. ") + inline(hint) for i, hint in enumerate(self.meta.hints[:shown], 1)]
        if not shown:
            lines.append(Content.assemble("Stuck? Press ", ("h", "bold"), " for a hint."))
        self.query_one("#hints", Static).update(Content("\n").join(lines))

    def action_hint(self) -> None:
        try:
            shown, total, _ = next_hint(self.exercise_id, self.lab.store)
        except UsageError as err:
            self.notify(str(err), severity="warning")
            return
        self._show_hints(shown)
        if shown == total:
            self.notify("That was the last hint.")

    # --- grading ---------------------------------------------------------------------------
    @work(thread=True, group="warm-up")
    def _warm_up(self) -> None:
        status = self.query_one(GradingStatus)
        self.app.call_from_thread(status.busy, "loading torch in the background…")
        try:
            self.lab.grader()
        except Exception as err:  # noqa: BLE001 - the grading service cannot start: show why, the rest still works
            self.app.call_from_thread(status.idle, f"grader unavailable: {err}")
            return
        if not self._checking:
            self.app.call_from_thread(status.idle, "grader ready · press c to check (every save checks too)")

    def action_check(self) -> None:
        self._checking = True
        self._grade()

    @work(thread=True, exclusive=True, group="grading")
    def _grade(self) -> None:
        worker = get_current_worker()
        status = self.query_one(GradingStatus)
        if not self.lab.grader_warm:
            self.app.call_from_thread(status.busy, "loading torch… (first check only)")
        try:
            client = self.lab.grader()
            self.app.call_from_thread(status.busy, f"running checks on {self.file.name}…")
            report = client.check(self.exercise_id, self.file)
        except Exception as err:  # noqa: BLE001 - a usage error (missing file) or a dead worker: report, don't crash
            if not worker.is_cancelled:
                self.app.call_from_thread(self._grading_failed, err)
            return
        if not worker.is_cancelled:  # a newer check (another save) supersedes this one
            self.app.call_from_thread(self._show_report, report)

    async def _show_report(self, report: Report) -> None:
        self._checking = False
        await self.query_one(CheckResults).show(report)
        self.query_one(GradingStatus).idle(f"checked {stamp(time.time())} · saving re-checks")

    def _grading_failed(self, err: Exception) -> None:
        self._checking = False
        self.query_one(GradingStatus).idle(f"could not check: {err}")
        self.notify(str(err), title="Check failed", severity="error")
