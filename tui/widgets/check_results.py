"""CheckResults: a graded Report as a summary line and one CheckRow per check, first failure expanded.

The summary (and where an earlier result comes from) stays in place above the rows, which scroll on
their own: on a short terminal the verdict never scrolls out of sight to make room for a failure.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Collapsible, Static

from grader.report import Report
from tui.widgets.check_row import CheckRow

VERDICT = {
    "pass": ("✔ All checks pass", "bold $text-success"),
    "fail": ("✘ Not yet", "bold $text-error"),
    "not-started": ("○ Not started", "bold $text-warning"),
}
NO_CHECK = Content.assemble("No check yet. Press ", ("c", "bold"), " to check your file, or ", ("e", "bold"),
                            " to edit it.")


class CheckResults(Vertical):
    """Shows the latest report; empty until the first check."""

    def compose(self) -> ComposeResult:
        yield Static(classes="results-stamp")
        yield Static(NO_CHECK, classes="results-summary")
        yield VerticalScroll(classes="results-rows")

    async def show(self, report: Report | None, note: str | None = None) -> None:
        """Show `report` (None: no check yet); `note` says where an earlier result comes from."""
        stamp = self.query_one(".results-stamp", Static)
        stamp.update(note or "")
        stamp.display = bool(note)
        rows = self.query_one(".results-rows", VerticalScroll)
        await rows.remove_children()
        summary = self.query_one(".results-summary", Static)
        if report is None:
            summary.update(NO_CHECK)
            return
        text, style = VERDICT.get(report.status, (report.status, "bold"))
        skipped = sum(c.status == "skip" for c in report.checks)
        summary.update(Content.assemble(
            (text, style), "   ",
            f"{report.passed} passed · {len(report.failed)} failed · {skipped} skipped",
            (f" · {report.duration_s:.2f} s on {report.device}", "$text-muted"),
        ))
        widgets: list = []
        if report.status == "not-started":
            widgets.append(Static(Content.assemble("forward() still raises NotImplementedError: press ", ("e", "bold"),
                                                   " to write it."), classes="results-note"))
        first = report.first_failure
        check_rows = [CheckRow(check, expanded=check is first) for check in report.checks]
        widgets += check_rows
        if report.output.strip():
            widgets.append(Collapsible(Static(Content(report.output)), title="Output of your code",
                                       classes="results-output"))
        await rows.mount_all(widgets)
        rows.scroll_home(animate=False)
        if first is not None:  # bring the first failure into view
            self.call_after_refresh(rows.scroll_to_widget, check_rows[report.checks.index(first)], animate=False)
