"""CheckResults: a graded Report as a summary line and one CheckRow per check, first failure expanded."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Collapsible, Static

from grader.report import Report
from tui.widgets.check_row import CheckRow

VERDICT = {
    "pass": ("✔ All checks pass", "bold $text-success"),
    "fail": ("✘ Not yet", "bold $text-error"),
    "not-started": ("○ Not started", "bold $text-warning"),
}


class CheckResults(VerticalScroll):
    """Shows the latest report; empty until the first check."""

    async def show(self, report: Report | None, note: str | None = None) -> None:
        """Show `report` (None: no check yet); `note` says where an earlier result comes from."""
        await self.remove_children()
        if report is None:
            await self.mount(Static("No check yet. Press [b]c[/] to check your file, or [b]e[/] to edit it.",
                              classes="results-empty"))
            return
        text, style = VERDICT.get(report.status, (report.status, "bold"))
        skipped = sum(c.status == "skip" for c in report.checks)
        summary = Content.assemble(
            (text, style), "   ",
            f"{report.passed} passed · {len(report.failed)} failed · {skipped} skipped",
            (f" · {report.duration_s:.2f} s on {report.device}", "$text-muted"),
        )
        widgets: list = [Static(note, classes="results-stamp")] if note else []
        widgets.append(Static(summary, classes="results-summary"))
        if report.status == "not-started":
            widgets.append(Static(Content.assemble("forward() still raises NotImplementedError: press ", ("e", "bold"),
                                                   " to write it."), classes="results-note"))
        first = report.first_failure
        rows = [CheckRow(check, expanded=check is first) for check in report.checks]
        widgets += rows
        if report.output.strip():
            widgets.append(Collapsible(Static(Content(report.output)), title="Output of your code",
                                       classes="results-output"))
        await self.mount_all(widgets)
        self.scroll_home(animate=False)
        if first is not None:  # bring the first failure into view, below the summary if it fits
            self.call_after_refresh(self.scroll_to_widget, rows[report.checks.index(first)], animate=False)
