"""`grader gradescope build EXERCISE... -o autograder.zip`: a ready Gradescope autograder."""

from __future__ import annotations

import argparse

from grader.commands.check_cmd import _positive, _positive_float


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gradescope", help="build a Gradescope autograder",
                       description="Gradescope autograders for Forward Lab exercises.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(p))
    b = actions.add_parser("build", help="write autograder.zip for some exercises",
                           description="Write a Gradescope autograder zip (setup.sh, run_autograder, the Forward Lab "
                                       "wheel) that grades exerciseN.py for each EXERCISE given.")
    b.add_argument("exercises", nargs="+", metavar="EXERCISE", help="exercise ids: exercise3 or just 3")
    b.add_argument("--output", "-o", default="autograder.zip", metavar="PATH", help="the zip (default: autograder.zip)")
    b.add_argument("--wheel", metavar="PATH",
                   help="bundle this forwardlab wheel (default: build one from the source tree)")
    b.add_argument("--timeout", type=_positive_float, metavar="SECONDS", help="wall-time limit per submission")
    b.add_argument("--memory", type=_positive, metavar="MB", help="memory limit per submission, in MB")
    b.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from grader.api import resolve_exercise
    from grader.output.gradescope import build

    exercises = list(dict.fromkeys(resolve_exercise(e) for e in args.exercises))
    check_args = [*(["--timeout", f"{args.timeout:g}"] if args.timeout else []),
                  *(["--memory", str(args.memory)] if args.memory else [])]
    zip_path = build(exercises, Path(args.output), wheel=Path(args.wheel) if args.wheel else None,
                     check_args=check_args)
    print(f"wrote {zip_path}: a Gradescope autograder for {', '.join(exercises)}")
    print("next: upload it in the assignment's Configure Autograder page (see README.md inside)")
    return 0
