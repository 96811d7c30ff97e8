"""`grader init [DIR]`: create a learner workspace (DIR/exercises/ with every stub)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create a workspace with the exercise stubs",
                       description="Create DIR/exercises/ with a stub for every exercise. Existing files are kept.")
    p.add_argument("directory", nargs="?", default=".", metavar="DIR", help="where to create it (default: here)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from grader.course.workspace import init_workspace

    written = init_workspace(args.directory)
    target = Path(args.directory) / "exercises"
    print(f"{len(written)} stub(s) written to {target}" + (" (existing files kept)" if not written else ""))
    print(f"next: edit {target / 'exercise1.py'}, then run `grader check 1`")
    return 0
