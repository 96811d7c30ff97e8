"""`grader classroom EXERCISE... [--dir DIR]`: a GitHub Classroom autograding workflow."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("classroom", help="write a GitHub Classroom autograding workflow",
                       description="Write DIR/.github/workflows/classroom.yml, which grades exercises/EXERCISE.py "
                                   "for each EXERCISE on every push (GitHub Classroom's command grader). An "
                                   "exercise of a course pack has its spec, YAML and stub copied under "
                                   "DIR/.forwardlab, which the workflow puts on FORWARDLAB_CONTENT_PATH.")
    p.add_argument("exercises", nargs="+", metavar="EXERCISE", help="exercise ids: exercise3 or just 3")
    p.add_argument("--dir", default=".", metavar="DIR", help="the assignment's template repository (default: here)")
    p.add_argument("--install", default=None, metavar="PIP-SPEC",
                   help="what pip installs for Forward Lab (default: forwardlab==this version; "
                        "e.g. a git URL or a wheel committed to the repository)")
    p.add_argument("--force", action="store_true", help="replace an existing workflow file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from importlib import metadata
    from pathlib import Path

    from grader.api import resolve_exercise
    from grader.output.classroom import write_workflow

    exercises = list(dict.fromkeys(resolve_exercise(e) for e in args.exercises))
    install = args.install or f"forwardlab=={metadata.version('forwardlab')}"
    target, copied = write_workflow(Path(args.dir), exercises, install, args.force)
    print(f"wrote {target}: grades {', '.join(exercises)} on every push")
    if copied:
        print(f"copied {len(copied)} file(s) of course packs (specs, YAML, stubs; no solution) under "
              f"{Path(args.dir) / '.forwardlab'}: students can read them, as they can the built-in references")
    print("next: commit " + ("them" if copied else "it") + " to the assignment's template repository")
    return 0
