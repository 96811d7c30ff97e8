"""`grader new exercise ID [--dir DIR]`: a new course-pack exercise, as a working example to edit."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="scaffold a course pack exercise",
                       description="Create new course content for instructors.")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True, parser_class=type(p))
    e = kinds.add_parser("exercise", help="a new exercise in a course pack",
                         description="Write a new exercise into the course pack DIR (created if need be): "
                                     "DIR/specs/ID.py (the spec: reference, inputs, mistakes), DIR/exercises/ID.yaml "
                                     "(title, hints, limits, points), DIR/exercises/ID.py (the learner's stub) and "
                                     "DIR/solutions/ID.py (a solution). They hold a small working example (a residual "
                                     "block) that passes `grader pack test DIR` as written: edit it into your "
                                     "exercise. Existing files are never overwritten.",
                         epilog="guide: docs/authoring.md in Forward Lab's repository")
    e.add_argument("exercise_id", metavar="ID", help="the new exercise's id: lower-case letters, digits and _, "
                                                     "starting with a letter (e.g. layernorm, kv_cache)")
    e.add_argument("--dir", default=".", metavar="DIR", help="the course pack folder (default: here)")
    e.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import os
    import shlex
    from pathlib import Path

    from grader.packs.scaffold import new_exercise

    pack = Path(args.dir)
    written = new_exercise(args.exercise_id, pack)
    for path in written:
        print(f"wrote {path}")
    where = shlex.quote(str(pack))
    solution = shlex.quote(str(pack / "solutions" / f"{args.exercise_id}.py"))
    print(f"next: grader pack test {where}")
    print(f"      FORWARDLAB_CONTENT_PATH={shlex.quote(os.path.abspath(pack))} grader check {args.exercise_id} "
          f"{solution}")
    return 0
