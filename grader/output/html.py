"""A report as HTML, for a notebook's cell output: the verdict, every check (failures open to their
message and hint, the first one unfolded), what the code printed, and the next step."""

from __future__ import annotations

from html import escape

from grader.report import CheckResult, Report

COLOURS = {"pass": "#1a7f37", "fail": "#cf222e", "skip": "#6e7781", "not-started": "#9a6700"}
MARKS = {"pass": "✓", "fail": "✗", "skip": "–"}
VERDICTS = {"pass": "PASS", "fail": "FAIL", "not-started": "NOT STARTED"}
PRE = "white-space:pre-wrap;margin:4px 0 4px 22px;font-size:90%"


def report_html(report: Report, title: str = "") -> str:
    first = report.first_failure
    head = (f'<div><b>{escape(report.exercise)}</b> {escape(title)} '
            f'<b style="color:{COLOURS[report.status]}">{VERDICTS[report.status]}</b> '
            f"{report.passed}/{len(report.checks)} checks passed · {report.duration_s:.2f} s · "
            f"{escape(report.file)}</div>")
    parts = [head]
    if report.same_as:
        parts.append(f"<div style='color:{COLOURS['skip']}'>the same code as {escape(report.same_as)}</div>")
    parts += [_check(c, c is first) for c in report.checks]
    if report.output.strip() and report.status != "pass":
        parts.append(f"<details><summary>your code printed</summary><pre style='{PRE}'>"
                     f"{escape(report.output.rstrip()[-1500:])}</pre></details>")
    if first:
        parts.append(f"<div><b>next:</b> {escape(first.hint or first.message.splitlines()[0])}</div>")
    elif report.status == "pass":
        parts.append(f"<div style='color:{COLOURS['pass']}'>Every check passed.</div>")
    return f"<div class='forwardlab-report' style='font-family:monospace'>{''.join(parts)}</div>"


def _check(check: CheckResult, open_: bool) -> str:
    line = (f"<span style='color:{COLOURS[check.status]}'>{MARKS[check.status]}</span> {escape(check.id)} "
            f"<span style='color:{COLOURS['skip']}'>{escape(check.category)}</span>")
    if check.status != "fail":
        return f"<div class='check {check.status}'>{line}</div>"
    hint = f"<div style='margin-left:22px;color:#0969da'>hint: {escape(check.hint)}</div>" if check.hint else ""
    return (f"<details class='check fail'{' open' if open_ else ''}><summary>{line}</summary>"
            f"<pre style='{PRE}'>{escape(check.message)}</pre>{hint}</details>")
