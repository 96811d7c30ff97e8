"""`grader serve`: the warm grading worker behind the TUI (JSON lines on stdin/stdout, see grader.service)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run a warm grading worker (used by the TUI)",
                       description="Read one JSON request per line on stdin, answer one JSON line each on stdout.")
    p.add_argument("--store", metavar="PATH", help="progress store to record results in")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.service import serve

    return serve(args.store)
