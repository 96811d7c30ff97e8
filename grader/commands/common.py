"""Pieces several commands share: the exercise argument and the progress store."""

from __future__ import annotations

import argparse

from grader.course.progress import ProgressStore


def add_exercise(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exercise", metavar="EXERCISE", help="exercise id: exercise3 or just 3 (see `grader list`)")


def open_store() -> ProgressStore:
    """The learner's store; a notice (e.g. a corrupt file moved aside) goes to stderr."""
    import sys

    store = ProgressStore()
    if store.notice:
        print(f"notice: {store.notice}", file=sys.stderr)
    return store
