"""Finding exercises: every module `grader/exercises/exerciseN.py` is one, discovered without importing it."""

from __future__ import annotations

import importlib
import pkgutil
import re

import grader.exercises
from grader.errors import UsageError


def exercise_ids() -> list[str]:
    names = [m.name for m in pkgutil.iter_modules(grader.exercises.__path__) if re.fullmatch(r"exercise\d+", m.name)]
    return sorted(names, key=lambda n: int(n.removeprefix("exercise")))


def resolve(name: str) -> str:
    """'3', 'exercise3', 'Exercise3', 'ex3' -> 'exercise3', or a UsageError that lists the valid ids."""
    match = re.fullmatch(r"(?:ex(?:ercise)?)?0*(\d+)", str(name).strip().lower())
    ids = exercise_ids()
    if match and f"exercise{match.group(1)}" in ids:
        return f"exercise{match.group(1)}"
    raise UsageError(f"unknown exercise {name!r}; valid: {', '.join(ids)} (or just the number, 1-{len(ids)})")


def load(exercise_id: str):
    """The exercise's spec (imports torch and the exercise module)."""
    return importlib.import_module(f"grader.exercises.{resolve(exercise_id)}").EXERCISE
