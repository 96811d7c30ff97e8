"""`grader hint EXERCISE`: reveal the next hint, one more each call."""

from __future__ import annotations

import argparse

from grader.commands.common import add_exercise


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hint", help="show the next hint for an exercise",
                       description="Show the next hint: each call reveals one more, from a nudge to nearly the answer.")
    add_exercise(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from grader.api import next_hint
    from grader.commands.common import open_store
    from grader.output.text import prose

    shown, total, text = next_hint(args.exercise, open_store())
    console = Console(soft_wrap=True)  # one line per hint, as plain as the terminal allows
    console.print(prose(f"Hint {shown}/{total}: {text}"))
    if shown == total:
        console.print("(that was the last hint)")
    return 0
