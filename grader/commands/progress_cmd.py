"""`grader progress [--json]`: your progress dashboard — lessons, quizzes, exercises, time, reviews due."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("progress", help="show your progress: lessons, quizzes, exercises, time spent, reviews due",
                       description="Show the status of every lesson, quiz and exercise, your quiz accuracy day by "
                                   "day, exercises passed, time spent and the review items due today.")
    p.add_argument("--json", action="store_true", help="print the dashboard as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.api import progress_summary
    from grader.commands.common import open_store

    data = progress_summary(open_store())
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        from rich.console import Console

        Console().print(progress_view(data))
    return 0


STATE_STYLES = {"done": "green", "passed": "green", "started": "yellow", "fail": "red", "failed": "red",
                "not-started": "yellow", "new": "dim"}


def progress_view(data: dict):
    from rich.console import Group, RenderableType
    from rich.table import Table
    from rich.text import Text

    from grader.api import duration_text as duration
    from grader.api import plural

    review = data["review"]
    head = Text.assemble(
        ("Forward Lab progress  ", "bold"), f"{data['items_done']}/{data['items_total']} items done · ",
        (f"{data['exercises_passed']}/{data['exercises_total']}", "bold"), " exercises passed · ",
        f"{duration(data['time_spent_s']['total'])} spent · {data['streak_days']}-day streak · "
        f"{plural(data['score'], 'first-try point')} · {data['fixed_on_retry']} fixed on retry",
    )
    next_due = f" (next on {review['next_due']})" if review["next_due"] else ""
    due = Text.assemble(("Review: ", "bold"),
                        (f"{review['due_today']} due today", "bold yellow" if review["due_today"] else "green"),
                        f" · {review['waiting']} waiting" + next_due
                        + f" · {review['retired']} learnt for good")
    parts: list[RenderableType] = [head, due]
    parts.append(_table("Lessons", ("lesson", "sections read", "status"),
                        [(r["title"], f"{r['sections_read']}/{r['sections']}", r["state"]) for r in data["lessons"]]))
    parts.append(_table("Quizzes", ("quiz", "score", "status"),
                        [(r["title"], r["score"], r["state"]) for r in data["quizzes"]]))
    parts.append(_table("Exercises", ("exercise", "best check", "checks run", "status"),
                        [(f"{r['id']}: {r['title']}", r["best"] or "—", str(r["checks_run"]), r["status"])
                         for r in data["exercises"]]))
    if data["quiz_accuracy"]:
        table = Table("day", "answered", "right", "accuracy", "", title="Quiz accuracy over time (first tries)",
                      title_justify="left", header_style="bold")
        for day in data["quiz_accuracy"]:
            table.add_row(day["day"], str(day["answered"]), str(day["right"]), f"{day['accuracy']:.0%}",
                          Text("█" * round(day["accuracy"] * 20), style="cyan"))
        parts.append(table)
    spent = {k: v for k, v in data["time_spent_s"].items() if k != "total"}
    if spent:
        parts.append(Text("Time spent: " + " · ".join(f"{k} {duration(v)}" for k, v in spent.items()), style="dim"))
    return Group(*parts)


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]):
    from rich.table import Table
    from rich.text import Text

    table = Table(*columns, title=title, title_justify="left", header_style="bold")
    for row in rows:
        table.add_row(*row[:-1], Text(row[-1], style=STATE_STYLES.get(row[-1], "")))
    return table
