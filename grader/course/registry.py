"""Finding exercises: each content pack's `specs/ID.py` declares one, discovered without importing it.

A pack (the shipped course, or a folder in $FORWARDLAB_CONTENT_PATH) holds an exercise as four files
keyed by its id: `specs/ID.py` (the spec: `EXERCISE`, an instance of grader.judging.spec.Exercise),
`exercises/ID.yaml` (title, hints, limits, points), `exercises/ID.py` (the learner's stub) and
`solutions/ID.py` (a correct solution). Importing this module is cheap; `load` imports the spec
(and so torch).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from grader.errors import UsageError

if TYPE_CHECKING:
    from grader.judging.spec import Exercise

EXERCISE_ID = re.compile(r"[a-z][a-z0-9_]*")
NUMBERED = re.compile(r"exercise(\d+)")


def _order(exercise_id: str) -> tuple[int, str]:
    numbered = NUMBERED.fullmatch(exercise_id)
    return (int(numbered.group(1)), "") if numbered else (1 << 30, exercise_id)


def spec_files() -> dict[str, Path]:
    """Every exercise id -> its spec file, over all content packs, in curriculum order (numbered
    exercises first). Two packs declaring the same id is a UsageError naming both."""
    from grader.course.content import content_dirs

    found: dict[str, Path] = {}
    packs = dict.fromkeys(d.resolve() for d in content_dirs())  # a pack named twice is one pack
    for pack in packs:
        for spec in sorted((pack / "specs").glob("*.py")):
            if not EXERCISE_ID.fullmatch(spec.stem):
                continue
            if spec.stem in found:
                raise UsageError(f"exercise id {spec.stem!r} is declared twice: in {found[spec.stem]} and in {spec}; "
                                 "rename one of them")
            found[spec.stem] = spec
    return dict(sorted(found.items(), key=lambda item: _order(item[0])))


def exercise_ids() -> list[str]:
    return list(spec_files())


def pack_of(exercise_id: str) -> Path:
    """The content pack folder that holds the exercise."""
    return spec_files()[resolve(exercise_id)].parent.parent


def resolve(name: str) -> str:
    """'3', 'exercise3', 'Exercise3', 'ex3' -> 'exercise3'; a pack's own id as it is; else a UsageError
    that lists the valid ids."""
    ids = exercise_ids()
    text = str(name).strip().lower()
    if text in ids:
        return text
    match = re.fullmatch(r"(?:ex(?:ercise)?)?0*(\d+)", text)
    if match and f"exercise{match.group(1)}" in ids:
        return f"exercise{match.group(1)}"
    numbered = [i for i in ids if NUMBERED.fullmatch(i)]
    raise UsageError(f"unknown exercise {name!r}; valid: {', '.join(ids)}"
                     + (f" (or just the number, 1-{len(numbered)})" if numbered else ""))


def load(exercise_id: str) -> Exercise:
    """The exercise's spec (imports torch and the spec module)."""
    exercise_id = resolve(exercise_id)
    return _module(str(spec_files()[exercise_id])).EXERCISE


@cache
def _module(path: str) -> ModuleType:
    name = f"forwardlab_spec_{Path(path).stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    spec.loader.exec_module(module)
    return module
