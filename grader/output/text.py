"""Rendering for people: the terminal view of `grader check` and `grader watch`, and `prose`, which every
command's text output uses for messages and hints that mark code with backticks."""

from __future__ import annotations

from rich.console import Console, Group
from rich.text import Text

from grader.report import CheckResult, Report
from grader.wording import code_spans

MARKS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "skip": ("–", "dim")}
VERDICTS = {"pass": ("PASS", "bold green"), "fail": ("FAIL", "bold red"), "not-started": ("NOT STARTED", "bold yellow")}


def prose(text: str, style: str = "") -> Text:
    """`text` in `style`, its `code` spans in bold and without their backticks."""
    out = Text(style=style)
    for piece, code in code_spans(text):
        out.append(piece, style="bold" if code else None)
    return out


def check_line(check: CheckResult, detail: bool) -> Text:
    mark, style = MARKS[check.status]
    line = Text.assemble((f" {mark} ", style), (f"{check.id:<20}", "bold" if check.status == "fail" else ""),
                         (f" {check.category}", "dim"))
    if detail and check.message:
        line.append_text(prose("\n" + _indent(check.message), "" if check.status == "fail" else "dim"))
    if detail and check.hint:
        line.append_text(prose("\n" + _indent("hint: " + check.hint), "cyan"))
    return line


def _indent(text: str) -> str:
    return "\n".join("     " + part for part in text.splitlines())


def report_view(report: Report, title: str = "", first_failure_on_top: bool = False) -> Group:
    verdict, style = VERDICTS[report.status]
    total = len(report.checks)
    head = Text.assemble((f"{report.exercise}", "bold"), (f" {title}" if title else ""), "  ",
                         (verdict, style), f"  {report.passed}/{total} checks passed · {report.duration_s:.2f} s · "
                                           f"{report.file}")
    checks = list(report.checks)
    first = report.first_failure
    if first_failure_on_top and first:
        checks.remove(first)
        checks.insert(0, first)
    lines = [check_line(c, detail=c.status == "fail") for c in checks]
    parts = [head, *lines]
    if report.same_as:
        parts.insert(1, Text(f"  the same code as {report.same_as}: graded once for both", style="dim"))
    if report.output.strip() and report.status != "pass":
        parts.append(Text("\nyour code printed:\n" + _indent(report.output.rstrip()[-1500:]), style="dim"))
    if first:
        parts.append(Text.assemble("\nnext: ", prose(first.hint or first.message.splitlines()[0], "cyan")))
    elif report.status == "pass":
        parts.append(prose("\nEvery check passed. Try `grader trace` to watch your forward at work.", "green"))
    return Group(*parts)


def print_report(report: Report, title: str = "", console: Console | None = None, **kw) -> None:
    (console or Console()).print(report_view(report, title, **kw))
