"""`grader list [--json]`: every exercise with its title and the learner's status."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list the exercises and your status",
                       description="List every exercise: id, title, status. Exercises of course packs "
                                   "($FORWARDLAB_CONTENT_PATH) are listed after the course's own; a broken pack gets "
                                   "a warning line on stderr and the rest is listed as usual.")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from grader.api import catalogue_problems, list_exercises
    from grader.commands.common import open_store

    infos = list_exercises(open_store())
    if args.json:
        print(json.dumps([{"id": i.id, "title": i.title, "status": i.status} for i in infos], indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table("id", "title", "status", box=None, header_style="bold")
        styles = {"passed": "green", "fail": "red", "not-started": "yellow", "new": "dim"}
        for i in infos:
            table.add_row(i.id, i.title, f"[{styles.get(i.status, '')}]{i.status}[/]")
        Console().print(table)
    for problem in catalogue_problems():  # a broken course pack leaves out its own exercises only
        print(f"warning: {problem}", file=sys.stderr)
    return 0
