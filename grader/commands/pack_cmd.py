"""`grader pack test DIR`: a course pack's self-test."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pack", help="work with a course pack", description="Work with a course pack: a folder of "
                       "exercises (specs/, exercises/, solutions/) and content, used through FORWARDLAB_CONTENT_PATH.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(p))
    t = actions.add_parser("test", help="the pack's self-test",
                           description="Self-test the course pack DIR: for each exercise, its files are there and "
                                       "valid, its spec imports, its solution passes every check, its stub is "
                                       "not-started, and each declared mistake, written out as a submission, fails "
                                       "with that mistake named. One line per exercise, a summary line last.",
                           epilog="exit codes: 0 everything held, 1 something did not, 2 DIR is not a pack")
    t.add_argument("directory", metavar="DIR", help="the course pack folder")
    t.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from grader.packs.selftest import pack_test

    return 0 if pack_test(Path(args.directory), emit=lambda line: print(line, flush=True)) else 1
