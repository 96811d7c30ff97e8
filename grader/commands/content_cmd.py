"""`grader content check [DIR]`: validate lesson, quiz and exercise YAML."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("content", help="validate course content", description="Work with course content (YAML).")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a content folder",
                               description="Validate every YAML file; print `file:line: path: message` for each "
                                           "problem.")
    check.add_argument("directory", nargs="?", default=None, metavar="DIR", help="content folder (default: the shipped "
                                                                                 "content)")
    check.set_defaults(run=run)
    schema = actions.add_parser("schema", help="write the JSON Schema for editors",
                                description="Write the JSON Schema of content files, for editor validation.")
    schema.add_argument("path", metavar="PATH", help="where to write it")
    schema.set_defaults(run=run_schema)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from grader.course.content import check_content
    from grader.course.registry import pack_problems, problems
    from grader.errors import UsageError

    directory = Path(args.directory) if args.directory else None
    if directory is not None and not directory.is_dir():
        raise UsageError(f"no such folder: {directory}")
    code, text = check_content(directory)
    files = pack_problems(directory) if directory is not None else problems()
    if files:  # the exercises' Python files: misnamed specs, missing YAML or stubs
        text = "\n".join(files) + "\n" + text
    print(text)
    return max(code, 1) if files else code


def run_schema(args: argparse.Namespace) -> int:
    from grader.course.content import write_json_schema

    write_json_schema(args.path)
    print(f"JSON Schema written to {args.path}")
    return 0
