"""`grader list [--json]`: every exercise with its title and the learner's status."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list the exercises and your status", description="List every exercise: id, title, "
                                                                                      "status.")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.api import list_exercises
    from grader.commands.common import open_store

    infos = list_exercises(open_store())
    if args.json:
        print(json.dumps([{"id": i.id, "title": i.title, "status": i.status} for i in infos], indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "title", "status", box=None, header_style="bold")
    styles = {"passed": "green", "fail": "red", "not-started": "yellow", "new": "dim"}
    for i in infos:
        table.add_row(i.id, i.title, f"[{styles.get(i.status, '')}]{i.status}[/]")
    Console().print(table)
    return 0
